/**
 * The write-ahead log: what the ingest path appends validated batches to and the Delta materializer replays
 * and truncates. See DESIGN.md §3.
 */
export { crc32c, crc32cUpdate } from './crc32c.js';
export { diskDurability, noDurability, type DurabilityOps } from './durability.js';
export { MAX_FRAME_PAYLOAD_BYTES, type WalFrame } from './frame.js';
export { WAL_ORIGIN, nextPosition, walPosition, type WalPosition } from './position.js';
export { TableWal, type TableWalOptions, type WalState, type WalStats } from './table-wal.js';
export { WalManager } from './wal-manager.js';
