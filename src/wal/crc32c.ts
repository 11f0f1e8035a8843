/**
 * CRC32C (Castagnoli), the checksum of WAL frames and segment headers.
 *
 * Node 20 has no CRC32C (zlib's is the IEEE polynomial). `@node-rs/crc32` computes it with the CPU's CRC
 * instruction, at about 14 GB/s here: every acknowledged byte is checksummed on the event loop, and the
 * JavaScript version below (1.7 GB/s) took 7–11% of it at full speed. On a platform the native package has
 * no build for, the JavaScript version serves: a table-driven slicing-by-16, where sixteen 256-entry tables
 * let one loop iteration fold sixteen input bytes, read as four aligned 32-bit words, with independent
 * lookups instead of a dependent chain per byte (about 1.5x the speed of byte-wise slicing-by-8 in V8).
 */
import { createRequire } from 'node:module';

type NativeCrc32c = (input: Uint8Array, initialState?: number) => number;

/** The Castagnoli polynomial, bit-reversed (the CRC is computed LSB first). */
const POLYNOMIAL = 0x82f63b78;

/** Table k (at offset k * 256) maps a byte to its CRC contribution when followed by k zero bytes. */
const TABLES = buildTables();

/** Word loads see bytes in memory order only on little-endian hosts; elsewhere the byte loop does it all. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** Below this, setting up the word view costs more than it saves. */
const WORD_LOOP_MIN_BYTES = 64;

function buildTables(): Int32Array {
  const tables = new Int32Array(16 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    tables[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n]!;
    for (let k = 1; k < 16; k++) {
      c = tables[c & 0xff]! ^ (c >>> 8);
      tables[k * 256 + n] = c;
    }
  }
  return tables;
}

/** The JavaScript CRC32C, with the same contract as {@link crc32cUpdate}. */
export function crc32cUpdateJs(crc: number, data: Uint8Array, start = 0, end = data.length): number {
  const t = TABLES;
  let c = ~crc;
  let i = start;
  if (LITTLE_ENDIAN && end - start >= WORD_LOOP_MIN_BYTES) {
    for (; (data.byteOffset + i) & 3; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
    const blocks = (end - i) >>> 4;
    const words = new Int32Array(data.buffer, data.byteOffset + i, blocks * 4);
    for (let w = 0; w < words.length; w += 4) {
      const a = c ^ words[w]!;
      const b = words[w + 1]!;
      const d = words[w + 2]!;
      const e = words[w + 3]!;
      c =
        t[0xf00 + (a & 0xff)]! ^
        t[0xe00 + ((a >>> 8) & 0xff)]! ^
        t[0xd00 + ((a >>> 16) & 0xff)]! ^
        t[0xc00 + (a >>> 24)]! ^
        t[0xb00 + (b & 0xff)]! ^
        t[0xa00 + ((b >>> 8) & 0xff)]! ^
        t[0x900 + ((b >>> 16) & 0xff)]! ^
        t[0x800 + (b >>> 24)]! ^
        t[0x700 + (d & 0xff)]! ^
        t[0x600 + ((d >>> 8) & 0xff)]! ^
        t[0x500 + ((d >>> 16) & 0xff)]! ^
        t[0x400 + (d >>> 24)]! ^
        t[0x300 + (e & 0xff)]! ^
        t[0x200 + ((e >>> 8) & 0xff)]! ^
        t[0x100 + ((e >>> 16) & 0xff)]! ^
        t[e >>> 24]!;
    }
    i += blocks * 16;
  }
  for (; i < end; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function loadNative(): NativeCrc32c | undefined {
  try {
    return (createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: NativeCrc32c }).crc32c;
  } catch {
    return undefined;
  }
}

const native = loadNative();

/** Which implementation {@link crc32cUpdate} uses here. */
export const crc32cImplementation: 'native' | 'javascript' = native ? 'native' : 'javascript';

/**
 * Continues a CRC32C over `data[start, end)`. Start a fresh checksum with `crc = 0`; feeding the result back in
 * with the following bytes gives the checksum of the concatenation.
 */
export const crc32cUpdate: (crc: number, data: Uint8Array, start?: number, end?: number) => number = native
  ? (crc, data, start = 0, end = data.length) =>
      native(start === 0 && end === data.length ? data : data.subarray(start, end), crc)
  : crc32cUpdateJs;

/** The CRC32C of `data`, as an unsigned 32-bit integer. */
export function crc32c(data: Uint8Array): number {
  return crc32cUpdate(0, data);
}
