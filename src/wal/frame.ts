/**
 * The WAL frame: pure encoding and decoding, no I/O.
 *
 * Layout (little-endian), a 24-byte header followed by the payload:
 * ```
 *  0  u32  CRC32C of bytes [4, 24 + length), started from the WAL's checksum seed
 *  4  u32  payload length
 *  8  u64  sequence number (the WAL position, >= 1)
 * 16  u32  row count of the batch in the payload (informational)
 * 20  u32  index of the frame within its commit group (0 = first frame written by that group's write)
 * ```
 * The group index lets recovery tell a torn last group (never acknowledged: cut it) from a damaged frame that
 * was acknowledged (a later group was written after it was synced: refuse to start). The checksum seed is a
 * secret random number per WAL, so a payload that happens to contain frame-shaped bytes (user data can) is
 * never mistaken for a frame when recovery searches past a damaged one.
 */
import { crc32cUpdate } from './crc32c.js';
import type { WalPosition } from './position.js';

export const FRAME_HEADER_BYTES = 24;

/**
 * Largest payload a frame may carry. One frame holds one ingested batch (bounded by the gRPC message limit,
 * about 10 MiB); the bound lets a damaged length field be recognised as such.
 */
export const MAX_FRAME_PAYLOAD_BYTES = 256 * 1024 * 1024;

const MAX_U32 = 0xffffffff;
const TWO_POW_32 = 0x1_0000_0000;

/** A frame as the WAL hands it to readers. */
export interface WalFrame {
  readonly seq: WalPosition;
  /** Rows in the batch, as given to `append`. */
  readonly rowCount: number;
  /** The bytes given to `append` (an Arrow IPC stream of one record batch in practice). */
  readonly payload: Uint8Array;
}

/** A frame with the bookkeeping recovery needs. */
export interface StoredFrame extends WalFrame {
  readonly groupIndex: number;
}

/** What a frame header says besides length and checksum. */
export interface FrameFields {
  readonly seq: WalPosition;
  readonly rowCount: number;
  readonly groupIndex: number;
}

/** The result of decoding at one offset: a frame, not enough bytes yet, or bytes that are not a frame. */
export type FrameDecode =
  | { readonly kind: 'frame'; readonly frame: StoredFrame; readonly bytes: number }
  | { readonly kind: 'short'; readonly needed: number }
  | { readonly kind: 'corrupt'; readonly reason: string };

/**
 * Encodes the 24-byte header for a frame carrying `payload`. The payload itself is not copied: the caller
 * writes header and payload side by side.
 */
export function encodeFrameHeader(fields: FrameFields, payload: Uint8Array, seed: number): Uint8Array {
  if (payload.length > MAX_FRAME_PAYLOAD_BYTES) {
    throw new RangeError(`frame payload of ${payload.length} bytes exceeds ${MAX_FRAME_PAYLOAD_BYTES}`);
  }
  if (!isU32(fields.rowCount) || !isU32(fields.groupIndex)) {
    throw new RangeError(`row count and group index must be 32-bit unsigned integers`);
  }
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32LE(payload.length, 4);
  header.writeUInt32LE(fields.seq % TWO_POW_32, 8);
  header.writeUInt32LE(Math.floor(fields.seq / TWO_POW_32), 12);
  header.writeUInt32LE(fields.rowCount, 16);
  header.writeUInt32LE(fields.groupIndex, 20);
  const crc = crc32cUpdate(crc32cUpdate(seed, header, 4, FRAME_HEADER_BYTES), payload);
  header.writeUInt32LE(crc, 0);
  return header;
}

/** Decodes the frame starting at `offset` of `bytes`; the payload is a view into `bytes`, not a copy. */
export function decodeFrame(bytes: Uint8Array, offset: number, seed: number): FrameDecode {
  const available = bytes.length - offset;
  if (available < FRAME_HEADER_BYTES) return { kind: 'short', needed: FRAME_HEADER_BYTES };
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, FRAME_HEADER_BYTES);
  const length = view.getUint32(4, true);
  if (length > MAX_FRAME_PAYLOAD_BYTES) return { kind: 'corrupt', reason: `implausible payload length ${length}` };
  const size = FRAME_HEADER_BYTES + length;
  if (available < size) return { kind: 'short', needed: size };
  const crc = crc32cUpdate(seed, bytes, offset + 4, offset + size);
  if (crc !== view.getUint32(0, true)) return { kind: 'corrupt', reason: 'checksum mismatch' };
  const seqHigh = view.getUint32(12, true);
  const seq = seqHigh * TWO_POW_32 + view.getUint32(8, true);
  if (seq < 1 || !Number.isSafeInteger(seq)) return { kind: 'corrupt', reason: `invalid sequence number` };
  return {
    kind: 'frame',
    bytes: size,
    frame: {
      seq: seq as WalPosition,
      rowCount: view.getUint32(16, true),
      groupIndex: view.getUint32(20, true),
      payload: bytes.subarray(offset + FRAME_HEADER_BYTES, offset + size),
    },
  };
}

function isU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= MAX_U32;
}

/**
 * Searches `bytes`, which start where a frame with sequence `expectedSeq` should have been found intact, for an
 * intact frame of a commit group that began after `expectedSeq`.
 *
 * A group is written only after the previous group's fdatasync returned, so such a frame proves the damaged
 * frame was durable and acknowledged: that is corruption, not a torn write. Intact frames of the damaged frame's
 * own group prove nothing (pages of one unsynced write reach the disk in any order) and are not reported.
 * Every byte offset is tried, because the damaged frame's length field cannot be trusted.
 */
export function findLaterGroupFrame(
  bytes: Uint8Array,
  expectedSeq: WalPosition,
  seed: number,
): StoredFrame | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const maxSeq = expectedSeq + Math.floor(bytes.length / FRAME_HEADER_BYTES);
  for (let offset = 0; offset + FRAME_HEADER_BYTES <= bytes.length; offset++) {
    // Cheap plausibility checks first; the checksum decides.
    const seq = view.getUint32(offset + 12, true) * TWO_POW_32 + view.getUint32(offset + 8, true);
    const groupStart = seq - view.getUint32(offset + 20, true);
    if (groupStart <= expectedSeq || seq > maxSeq) continue;
    const decoded = decodeFrame(bytes, offset, seed);
    if (decoded.kind === 'frame') return decoded.frame;
  }
  return undefined;
}
