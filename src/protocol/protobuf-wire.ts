/**
 * The protobuf binary wire format, nothing more: a {@link ProtoReader} over a byte view and a growable
 * {@link ProtoWriter}. Message codecs (the Zerobus envelope, record decoders compiled from descriptors) are
 * built on these two so that every path reads varints, lengths and unknown fields the same way.
 *
 * Both are written for the ingest hot path: no allocation per scalar, 64-bit values only become `bigint`
 * when asked for, and length-delimited fields are returned as views into the input (zero-copy). Text goes
 * through Node's native UTF-8 routines (`Buffer`): measured 3-10x faster than `TextEncoder`/`TextDecoder` or
 * a JS loop for record-sized strings, and gRPC hands us Buffers anyway.
 */

/** Wire types of the protobuf encoding (the low 3 bits of a tag). */
export const WireType = {
  VARINT: 0,
  FIXED64: 1,
  LENGTH_DELIMITED: 2,
  START_GROUP: 3,
  END_GROUP: 4,
  FIXED32: 5,
} as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

/** Input that is not valid protobuf: truncated, an over-long varint, a bad wire type, a length past the end. */
export class ProtobufDecodeError extends Error {
  constructor(
    message: string,
    /** Byte position in the decoded buffer where the problem was found. */
    readonly offset: number,
  ) {
    super(`${message} at byte ${offset}`);
    this.name = 'ProtobufDecodeError';
  }
}

const TWO_POW_32 = 4294967296;
/** Above this high word, `hi * 2^32 + lo` is no longer an exact double. */
const MAX_SAFE_HI = 0x1fffff;
const UINT64_MASK = (1n << 64n) - 1n;

const utf8Decoder = new TextDecoder('utf-8');

/**
 * Node's UTF-8 primitives under `Buffer#write` / `Buffer#toString`, which they reach after normalizing
 * arguments and encoding names. Called directly they are ~1.7x faster per record-sized string (measured);
 * protobufjs relies on them the same way. Present on every Node Buffer, absent from its typings.
 */
type RawUtf8Buffer = Buffer & {
  utf8Write(value: string, offset: number): number;
  utf8Slice(start: number, end: number): string;
};
/** Up to this length a JS loop beats the native call overhead for ASCII text (measured: ~8 bytes). */
const SHORT_STRING = 8;

/** Sequential reader of protobuf-encoded bytes. `pos` may be read and set by message decoders. */
export class ProtoReader {
  readonly buf: Uint8Array;
  pos: number;
  /** Exclusive end of the readable region (a sub-message reader is bounded by its length). */
  readonly end: number;
  private view: DataView | undefined;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    if (start < 0 || end > buf.length || start > end) throw new RangeError('reader bounds outside the buffer');
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /** True when every byte of the region has been consumed. */
  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads a field tag; returns `fieldNumber << 3 | wireType` (use {@link fieldOf} / {@link wireTypeOf}). */
  tag(): number {
    const start = this.pos;
    const t = this.uint32();
    if (t >>> 3 === 0) throw new ProtobufDecodeError('field number 0', start);
    return t;
  }

  /**
   * Reads a varint and returns its low 32 bits unsigned. Longer varints (negative int32 values are written
   * as 10 bytes) are consumed completely; the high bits are dropped, as protobuf specifies for 32-bit fields.
   */
  uint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    const end = this.end;
    let b = pos < end ? buf[pos++]! : this.truncated(pos);
    let v = b & 0x7f;
    if (b < 0x80) {
      this.pos = pos;
      return v;
    }
    b = pos < end ? buf[pos++]! : this.truncated(pos);
    v |= (b & 0x7f) << 7;
    if (b < 0x80) {
      this.pos = pos;
      return v;
    }
    b = pos < end ? buf[pos++]! : this.truncated(pos);
    v |= (b & 0x7f) << 14;
    if (b < 0x80) {
      this.pos = pos;
      return v;
    }
    b = pos < end ? buf[pos++]! : this.truncated(pos);
    v |= (b & 0x7f) << 21;
    if (b < 0x80) {
      this.pos = pos;
      return v;
    }
    b = pos < end ? buf[pos++]! : this.truncated(pos);
    v |= (b & 0x0f) << 28;
    // Bytes 6..10 only carry bits above 32: skip them, but still reject a varint that never terminates.
    for (let i = 5; b >= 0x80; i++) {
      if (i === 10) throw new ProtobufDecodeError('varint longer than 10 bytes', this.pos);
      b = pos < end ? buf[pos++]! : this.truncated(pos);
    }
    this.pos = pos;
    return v >>> 0;
  }

  /** `int32` field: the varint's low 32 bits as a signed number. */
  int32(): number {
    return this.uint32() | 0;
  }

  /** `sint32` field (zigzag). */
  sint32(): number {
    const n = this.uint32();
    return (n >>> 1) ^ -(n & 1);
  }

  /** `bool` field: any non-zero varint is true. */
  bool(): boolean {
    this.varint64Parts();
    return this.lo !== 0 || this.hi !== 0;
  }

  /** `enum` field: the raw number (unknown values are the caller's business). */
  enumValue(): number {
    return this.int32();
  }

  /** `uint64` field as bigint. */
  uint64(): bigint {
    this.varint64Parts();
    return partsToUnsigned(this.lo, this.hi);
  }

  /** `int64` field as bigint (two's complement). */
  int64(): bigint {
    this.varint64Parts();
    return partsToSigned(this.lo, this.hi);
  }

  /** `sint64` field (zigzag) as bigint. */
  sint64(): bigint {
    this.varint64Parts();
    const lo = this.lo;
    const hi = this.hi;
    const neg = lo & 1;
    // Undo zigzag on the 64-bit pair: shift right by one, then xor with the sign mask.
    const sLo = ((lo >>> 1) | (hi << 31)) ^ -neg;
    const sHi = (hi >>> 1) ^ -neg;
    return partsToSigned(sLo >>> 0, sHi >>> 0);
  }

  /**
   * `int64` field as a JS number when it is exactly representable, else as bigint. For decoders whose
   * target type is a double anyway (or who accept either) this avoids a bigint per value.
   */
  int64Number(): number | bigint {
    this.varint64Parts();
    const lo = this.lo;
    const hi = this.hi;
    if (hi <= MAX_SAFE_HI) return hi * TWO_POW_32 + lo;
    if (hi >= 0xffe00000 && (hi !== 0xffe00000 || lo !== 0)) return (hi - TWO_POW_32) * TWO_POW_32 + lo;
    return partsToSigned(lo, hi);
  }

  /** `fixed32` field. */
  fixed32(): number {
    const p = this.advance(4);
    const b = this.buf;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  /** `sfixed32` field. */
  sfixed32(): number {
    return this.fixed32() | 0;
  }

  /** `fixed64` field as bigint. */
  fixed64(): bigint {
    const lo = this.fixed32();
    const hi = this.fixed32();
    return partsToUnsigned(lo, hi);
  }

  /** `sfixed64` field as bigint. */
  sfixed64(): bigint {
    const lo = this.fixed32();
    const hi = this.fixed32();
    return partsToSigned(lo, hi);
  }

  /** `float` field. */
  float(): number {
    const p = this.advance(4);
    return this.dataView().getFloat32(p, true);
  }

  /** `double` field. */
  double(): number {
    const p = this.advance(8);
    return this.dataView().getFloat64(p, true);
  }

  /** Reads a length prefix and returns the region's `[start, end)`, leaving `pos` after it. */
  delimited(): [start: number, end: number] {
    const len = this.lengthPrefix();
    const start = this.pos;
    this.pos = start + len;
    return [start, start + len];
  }

  /**
   * Reads a length prefix, checking that the bytes it announces are there, and leaves `pos` on the first
   * of them. Callers size buffers by it: an unchecked length let one malformed record reserve a gigabyte.
   */
  lengthPrefix(): number {
    const at = this.pos;
    const len = this.uint32();
    if (len > this.end - this.pos) throw new ProtobufDecodeError(`length ${len} runs past the end`, at);
    return len;
  }

  /** `bytes` field as a view into the input (no copy: copy it if the input buffer will be reused). */
  bytes(): Uint8Array {
    const [start, end] = this.delimited();
    return this.buf.subarray(start, end);
  }

  /** `string` field, decoded as UTF-8 (invalid sequences become U+FFFD, as in other protobuf runtimes). */
  string(): string {
    const [start, end] = this.delimited();
    return decodeUtf8(this.buf, start, end);
  }

  /** A reader bounded to the next length-delimited field (an embedded message). */
  subReader(): ProtoReader {
    const [start, end] = this.delimited();
    return new ProtoReader(this.buf, start, end);
  }

  /** Skips the value of a field whose tag was just read (unknown fields, groups included). */
  skip(wireType: number, fieldNumber = 0): void {
    switch (wireType) {
      case WireType.VARINT:
        this.varint64Parts();
        return;
      case WireType.FIXED64:
        this.advance(8);
        return;
      case WireType.LENGTH_DELIMITED:
        this.delimited();
        return;
      case WireType.FIXED32:
        this.advance(4);
        return;
      case WireType.START_GROUP:
        this.skipGroup(fieldNumber);
        return;
      default:
        throw new ProtobufDecodeError(`invalid wire type ${wireType}`, this.pos);
    }
  }

  /** Skips a field given its full tag as returned by {@link tag}. */
  skipTag(tag: number): void {
    this.skip(tag & 7, tag >>> 3);
  }

  private skipGroup(fieldNumber: number): void {
    for (;;) {
      const at = this.pos;
      const t = this.tag();
      if ((t & 7) === WireType.END_GROUP) {
        if (t >>> 3 !== fieldNumber) throw new ProtobufDecodeError('mismatched end-group tag', at);
        return;
      }
      this.skipTag(t);
    }
  }

  // Scratch output of varint64Parts: two 32-bit halves, kept as fields to avoid allocating per value.
  private lo = 0;
  private hi = 0;

  private varint64Parts(): void {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      b = pos < end ? buf[pos++]! : this.truncated(pos);
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        this.lo = lo >>> 0;
        this.hi = 0;
        return;
      }
    }
    // Fifth byte: 4 bits complete the low word, 3 bits start the high word.
    b = pos < end ? buf[pos++]! : this.truncated(pos);
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >>> 4;
    if (b >= 0x80) {
      for (let shift = 3; ; shift += 7) {
        if (shift > 31) throw new ProtobufDecodeError('varint longer than 10 bytes', this.pos);
        b = pos < end ? buf[pos++]! : this.truncated(pos);
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  private advance(n: number): number {
    const p = this.pos;
    if (this.end - p < n) this.truncated(this.end);
    this.pos = p + n;
    return p;
  }

  private dataView(): DataView {
    return (this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }

  private truncated(at: number): never {
    throw new ProtobufDecodeError('unexpected end of input', at);
  }
}

/** Field number of a tag returned by {@link ProtoReader.tag}. */
export function fieldOf(tag: number): number {
  return tag >>> 3;
}

/** Wire type of a tag returned by {@link ProtoReader.tag}. */
export function wireTypeOf(tag: number): number {
  return tag & 7;
}

function varint64PartsSize(lo: number, hi: number): number {
  if (hi === 0) return varint32Size(lo);
  // The first five bytes carry 35 bits (3 of them from `hi`); every further byte carries 7 more.
  let n = 5;
  for (let rest = Math.floor(hi / 8); rest > 0; rest = Math.floor(rest / 128)) n++;
  return n;
}

function partsToUnsigned(lo: number, hi: number): bigint {
  if (hi <= MAX_SAFE_HI) return BigInt(hi * TWO_POW_32 + lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function partsToSigned(lo: number, hi: number): bigint {
  if (hi <= MAX_SAFE_HI) return BigInt(hi * TWO_POW_32 + lo);
  // Small negatives (hi all ones in the top 11 bits) are exact doubles too.
  if (hi >= 0xffe00000) return BigInt((hi - TWO_POW_32) * TWO_POW_32 + lo);
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}

/** Decodes UTF-8 bytes `[start, end)` of `buf` (invalid sequences become U+FFFD). */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT_STRING) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return decodeUtf8Native(buf, start, end);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decodeUtf8Native(buf, start, end);
}

function decodeUtf8Native(buf: Uint8Array, start: number, end: number): string {
  return Buffer.isBuffer(buf)
    ? (buf as RawUtf8Buffer).utf8Slice(start, end)
    : utf8Decoder.decode(buf.subarray(start, end));
}

/** Number of bytes `value` takes as a varint (`value` an unsigned 32-bit number). */
export function varint32Size(value: number): number {
  const v = value >>> 0;
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

/** Number of bytes the UTF-8 encoding of `s` takes (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Number of bytes `value` takes as a varint (`value` an unsigned 64-bit integer). */
export function varint64Size(value: bigint | number): number {
  if (typeof value === 'number' && value >= 0 && value < TWO_POW_32) return varint32Size(value);
  let v = BigInt.asUintN(64, BigInt(value));
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

const INITIAL_CAPACITY = 256;
/** Bytes a `fork()` reserves for the length prefix; lengths needing more are shifted into place. */
const FORK_RESERVE = 1;

/**
 * Growable protobuf writer. Call {@link finish} for a view of the bytes written; {@link reset} to reuse the
 * buffer for the next message (the previous view is then overwritten, so hand out copies if they must live).
 *
 * Pass a buffer of exactly the message's precomputed size to encode with a single allocation: `finish()`
 * then returns that very buffer.
 */
export class ProtoWriter {
  private buf: Buffer;
  private pos = 0;
  // Created on first use: most messages never write a fixed-width field or a fork.
  private dataView: DataView | undefined;
  private forks: number[] | undefined;

  constructor(initial: number | Buffer = INITIAL_CAPACITY) {
    this.buf = typeof initial === 'number' ? Buffer.allocUnsafe(Math.max(16, initial)) : initial;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  /** Writes a field tag. */
  tag(fieldNumber: number, wireType: WireType): this {
    return this.uint32(((fieldNumber << 3) | wireType) >>> 0);
  }

  /** Writes an unsigned 32-bit varint. */
  uint32(value: number): this {
    let v = value >>> 0;
    // Reserve the exact size only near the end, so an exactly sized buffer never grows.
    if (this.pos + 5 > this.buf.length) this.ensure(varint32Size(v));
    const buf = this.buf;
    let pos = this.pos;
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
    return this;
  }

  /** `int32` field: negative values take 10 bytes (sign-extended to 64 bits), as protobuf requires. */
  int32(value: number): this {
    if (value >= 0) return this.uint32(value);
    return this.varint64(value | 0, -1);
  }

  /** `sint32` field (zigzag). */
  sint32(value: number): this {
    return this.uint32(((value << 1) ^ (value >> 31)) >>> 0);
  }

  /** `bool` field. */
  bool(value: boolean): this {
    this.ensure(1);
    this.buf[this.pos++] = value ? 1 : 0;
    return this;
  }

  /** `uint64` field (a number must be a non-negative safe integer). */
  uint64(value: bigint | number): this {
    if (typeof value === 'number' && value >= 0 && value < TWO_POW_32) return this.uint32(value);
    const v = BigInt.asUintN(64, BigInt(value));
    return this.varint64(Number(v & 0xffffffffn), Number(v >> 32n));
  }

  /** `int64` field (two's complement; negative values take 10 bytes). */
  int64(value: bigint | number): this {
    if (typeof value === 'number') {
      if (value >= 0 && value < TWO_POW_32) return this.uint32(value);
      if (Number.isSafeInteger(value)) {
        const lo = value % TWO_POW_32;
        const hi = Math.floor(value / TWO_POW_32);
        return this.varint64(lo >>> 0, hi | 0);
      }
      value = BigInt(value);
    }
    const v = value & UINT64_MASK;
    return this.varint64(Number(v & 0xffffffffn), Number(v >> 32n));
  }

  /** `sint64` field (zigzag). */
  sint64(value: bigint | number): this {
    const v = BigInt(value);
    const z = ((v << 1n) ^ (v >> 63n)) & UINT64_MASK;
    return this.varint64(Number(z & 0xffffffffn), Number(z >> 32n));
  }

  /** `fixed32` field. */
  fixed32(value: number): this {
    this.ensure(4);
    this.view().setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
    return this;
  }

  /** `sfixed32` field. */
  sfixed32(value: number): this {
    this.ensure(4);
    this.view().setInt32(this.pos, value | 0, true);
    this.pos += 4;
    return this;
  }

  /** `fixed64` field. */
  fixed64(value: bigint | number): this {
    this.ensure(8);
    this.view().setBigUint64(this.pos, BigInt.asUintN(64, BigInt(value)), true);
    this.pos += 8;
    return this;
  }

  /** `sfixed64` field. */
  sfixed64(value: bigint | number): this {
    this.ensure(8);
    this.view().setBigInt64(this.pos, BigInt.asIntN(64, BigInt(value)), true);
    this.pos += 8;
    return this;
  }

  /** `float` field. */
  float(value: number): this {
    this.ensure(4);
    this.view().setFloat32(this.pos, value, true);
    this.pos += 4;
    return this;
  }

  /** `double` field. */
  double(value: number): this {
    this.ensure(8);
    this.view().setFloat64(this.pos, value, true);
    this.pos += 8;
    return this;
  }

  /** `bytes` field: length prefix then the bytes. */
  bytes(value: Uint8Array): this {
    const n = value.length;
    this.uint32(n);
    this.ensure(n);
    this.buf.set(value, this.pos);
    this.pos += n;
    return this;
  }

  /** Raw bytes with no prefix (an already-encoded message or field). */
  raw(value: Uint8Array): this {
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
    return this;
  }

  /**
   * `string` field: length prefix then UTF-8. Pass `byteLength` when the caller already computed it
   * (to size the message) so it is not computed twice.
   */
  string(value: string, byteLength?: number): this {
    const n = value.length;
    if (byteLength === undefined && n <= SHORT_STRING) {
      // ASCII fast path: one byte per char, length known up front.
      let ascii = true;
      for (let i = 0; i < n; i++) {
        if (value.charCodeAt(i) >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        this.ensure(n + 1);
        const buf = this.buf;
        let pos = this.pos;
        buf[pos++] = n;
        for (let i = 0; i < n; i++) buf[pos++] = value.charCodeAt(i);
        this.pos = pos;
        return this;
      }
    }
    const len = byteLength ?? utf8Length(value);
    this.uint32(len);
    this.ensure(len);
    this.pos += (this.buf as RawUtf8Buffer).utf8Write(value, this.pos);
    return this;
  }

  /** Starts an embedded message (or packed field) whose length is written by the matching {@link ldelim}. */
  fork(): this {
    this.ensure(FORK_RESERVE);
    (this.forks ??= []).push(this.pos);
    this.pos += FORK_RESERVE;
    return this;
  }

  /** Ends the region opened by the last {@link fork}, writing its length prefix in front of it. */
  ldelim(): this {
    const at = this.forks?.pop();
    if (at === undefined) throw new Error('ldelim() without a matching fork()');
    const bodyStart = at + FORK_RESERVE;
    const len = this.pos - bodyStart;
    const prefix = varint32Size(len);
    if (prefix !== FORK_RESERVE) {
      this.ensure(prefix - FORK_RESERVE);
      this.buf.copyWithin(at + prefix, bodyStart, this.pos);
      this.pos += prefix - FORK_RESERVE;
    }
    let v = len;
    let p = at;
    const buf = this.buf;
    while (v >= 0x80) {
      buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[p] = v;
    return this;
  }

  /** The bytes written, as a view of the internal buffer (valid until the next write or {@link reset}). */
  finish(): Buffer {
    if (this.forks?.length) throw new Error('finish() with an open fork()');
    return this.pos === this.buf.length ? this.buf : this.buf.subarray(0, this.pos);
  }

  /** Forgets what was written, keeping the allocated capacity. */
  reset(): this {
    this.pos = 0;
    this.forks = undefined;
    return this;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = Math.max(16, this.buf.length * 2);
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.dataView = undefined;
  }

  private view(): DataView {
    return (this.dataView ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }

  private varint64(lo: number, hi: number): this {
    if (this.pos + 10 > this.buf.length) this.ensure(varint64PartsSize(lo >>> 0, hi >>> 0));
    const buf = this.buf;
    let pos = this.pos;
    let l = lo >>> 0;
    let h = hi >>> 0;
    while (h !== 0 || l >= 0x80) {
      buf[pos++] = (l & 0x7f) | 0x80;
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h >>>= 7;
    }
    buf[pos++] = l;
    this.pos = pos;
    return this;
  }
}
