/**
 * Segment files: their names and their 48-byte header. Pure, no I/O.
 *
 * A segment is `<dir>/<first sequence number, 20 digits>.wal`: the header, then frames back to back.
 * Header layout (little-endian):
 * ```
 *  0  8 bytes  magic "TRIBWAL\0"
 *  8  u32      format version
 * 12  u32      reserved, 0
 * 16  u64      sequence number of the segment's first frame
 * 24  16 bytes walId (UUID), so a segment copied in from another WAL is refused
 * 40  u32      CRC32C of bytes [0, 40)
 * 44  u32      reserved, 0
 * ```
 */
import { crc32cUpdate } from './crc32c.js';
import type { WalPosition } from './position.js';

export const SEGMENT_HEADER_BYTES = 48;
export const SEGMENT_FORMAT_VERSION = 1;

const MAGIC = Buffer.from('TRIBWAL\0', 'latin1');
const TWO_POW_32 = 0x1_0000_0000;
const SEGMENT_NAME = /^(\d{20})\.wal$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What a valid segment header says. */
export interface SegmentHeader {
  readonly firstSeq: WalPosition;
  readonly walId: string;
}

/** The file name of the segment whose first frame is `firstSeq`; names sort in sequence order. */
export function segmentFileName(firstSeq: WalPosition): string {
  return `${String(firstSeq).padStart(20, '0')}.wal`;
}

/** The first sequence number a segment file name stands for, or undefined for any other file. */
export function parseSegmentFileName(name: string): WalPosition | undefined {
  const digits = SEGMENT_NAME.exec(name)?.[1];
  if (digits === undefined) return undefined;
  const n = Number(digits);
  return Number.isSafeInteger(n) && n >= 1 ? (n as WalPosition) : undefined;
}

/** True for a lowercase canonical UUID, the form WAL ids and table ids are kept in. */
export function isCanonicalUuid(value: string): boolean {
  return UUID.test(value);
}

export function encodeSegmentHeader(header: SegmentHeader): Uint8Array {
  if (!isCanonicalUuid(header.walId)) throw new RangeError(`walId must be a lowercase UUID, got ${header.walId}`);
  const bytes = Buffer.alloc(SEGMENT_HEADER_BYTES);
  MAGIC.copy(bytes, 0);
  bytes.writeUInt32LE(SEGMENT_FORMAT_VERSION, 8);
  bytes.writeUInt32LE(header.firstSeq % TWO_POW_32, 16);
  bytes.writeUInt32LE(Math.floor(header.firstSeq / TWO_POW_32), 20);
  bytes.write(header.walId.replaceAll('-', ''), 24, 16, 'hex');
  bytes.writeUInt32LE(crc32cUpdate(0, bytes, 0, 40), 40);
  return bytes;
}

/**
 * The outcome of reading a segment header: valid, torn (an interrupted creation: short, zero-filled, or our
 * magic with a bad checksum), or foreign (something that is not a segment this code can read).
 */
export type SegmentHeaderDecode =
  | { readonly kind: 'valid'; readonly header: SegmentHeader }
  | { readonly kind: 'torn'; readonly reason: string }
  | { readonly kind: 'foreign'; readonly reason: string };

/** Decodes the segment header at the start of `bytes`. */
export function decodeSegmentHeader(bytes: Uint8Array): SegmentHeaderDecode {
  if (bytes.length < SEGMENT_HEADER_BYTES) return { kind: 'torn', reason: `header is short (${bytes.length} bytes)` };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, SEGMENT_HEADER_BYTES);
  const magic = buf.subarray(0, MAGIC.length);
  if (crc32cUpdate(0, buf, 0, 40) !== buf.readUInt32LE(40)) {
    return magic.equals(MAGIC) || magic.every((b) => b === 0)
      ? { kind: 'torn', reason: 'header checksum mismatch' }
      : { kind: 'foreign', reason: 'not a Tributary WAL segment (bad magic)' };
  }
  if (!magic.equals(MAGIC)) return { kind: 'foreign', reason: 'not a Tributary WAL segment (bad magic)' };
  const version = buf.readUInt32LE(8);
  if (version !== SEGMENT_FORMAT_VERSION) {
    return { kind: 'foreign', reason: `unsupported segment format version ${version}` };
  }
  const firstSeq = buf.readUInt32LE(20) * TWO_POW_32 + buf.readUInt32LE(16);
  if (firstSeq < 1 || !Number.isSafeInteger(firstSeq)) {
    return { kind: 'foreign', reason: 'invalid first sequence number' };
  }
  const hex = buf.toString('hex', 24, 40);
  const walId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { kind: 'valid', header: { firstSeq: firstSeq as WalPosition, walId } };
}
