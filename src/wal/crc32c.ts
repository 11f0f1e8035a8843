/**
 * CRC32C (Castagnoli), the checksum of WAL frames and segment headers.
 *
 * Node 20 has no CRC32C (zlib's is the IEEE polynomial), so this is a table-driven slicing-by-8
 * implementation: eight 256-entry tables let one loop iteration fold eight input bytes with eight independent
 * lookups instead of a dependent chain of eight.
 */

/** The Castagnoli polynomial, bit-reversed (the CRC is computed LSB first). */
const POLYNOMIAL = 0x82f63b78;

/** Table k (at offset k * 256) maps a byte to its CRC contribution when followed by k zero bytes. */
const TABLES = buildTables();

function buildTables(): Int32Array {
  const tables = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    tables[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n]!;
    for (let k = 1; k < 8; k++) {
      c = tables[c & 0xff]! ^ (c >>> 8);
      tables[k * 256 + n] = c;
    }
  }
  return tables;
}

/**
 * Continues a CRC32C over `data[start, end)`. Start a fresh checksum with `crc = 0`; feeding the result back in
 * with the following bytes gives the checksum of the concatenation.
 */
export function crc32cUpdate(crc: number, data: Uint8Array, start = 0, end = data.length): number {
  const t = TABLES;
  let c = ~crc;
  let i = start;
  for (const stop = end - 7; i < stop; i += 8) {
    const lo = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    c =
      t[0x700 + (lo & 0xff)]! ^
      t[0x600 + ((lo >>> 8) & 0xff)]! ^
      t[0x500 + ((lo >>> 16) & 0xff)]! ^
      t[0x400 + (lo >>> 24)]! ^
      t[0x300 + data[i + 4]!]! ^
      t[0x200 + data[i + 5]!]! ^
      t[0x100 + data[i + 6]!]! ^
      t[data[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** The CRC32C of `data`, as an unsigned 32-bit integer. */
export function crc32c(data: Uint8Array): number {
  return crc32cUpdate(0, data);
}
