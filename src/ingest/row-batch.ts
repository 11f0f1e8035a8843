/**
 * A columnar batch under construction: decoders append validated values column by column, the Arrow
 * builder (`arrow-batch.ts`) turns the buffers into Arrow data without touching values one by one.
 *
 * Every column keeps its values in growable typed arrays laid out as Arrow lays them out (offsets for
 * strings, lists and maps, children for structs), so conversion is a copy of each used region. A builder's
 * state is fully described by its length: nested lengths follow from offsets, so {@link RowBatch.rollback}
 * is a truncation and a message that fails half-way leaves no trace.
 */
import { isUtf8 } from 'node:buffer';
import type { Column, DataType } from '../catalog/types.js';
import { TributaryError } from '../errors.js';

const INITIAL_CAPACITY = 16;

function grownCapacity(current: number, needed: number): number {
  let cap = Math.max(current * 2, INITIAL_CAPACITY);
  while (cap < needed) cap *= 2;
  return cap;
}

/** What every column builder shares: a length and a validity vector. */
abstract class BuilderBase {
  /** Values appended (valid or null). */
  length = 0;
  /**
   * One byte per slot, 1 = valid. Allocated at the first null: most columns never see one, and then
   * Arrow needs no bitmap either. Slots past `length` are stale and never read.
   */
  validity: Uint8Array | null = null;

  constructor(readonly type: DataType) {}

  /** Shrinks to `length` values (nested builders shrink their children to match). */
  truncate(length: number): void {
    this.length = length;
  }

  /** Approximate bytes held by the used part of the buffers. */
  abstract byteSize(): number;

  /** Records the validity of the slot about to be filled at `this.length`. */
  protected setValid(valid: boolean): void {
    const at = this.length;
    let bits = this.validity;
    if (bits === null) {
      if (valid) return;
      bits = this.validity = new Uint8Array(grownCapacity(0, at + 1));
      bits.fill(1, 0, at);
    } else if (at >= bits.length) {
      const next = new Uint8Array(grownCapacity(bits.length, at + 1));
      next.set(bits);
      bits = this.validity = next;
    }
    bits[at] = valid ? 1 : 0;
  }

  /** Number of null slots among the first `length`. */
  nullCount(): number {
    const bits = this.validity;
    if (bits === null) return 0;
    let valid = 0;
    for (let i = 0; i < this.length; i++) valid += bits[i]!;
    return this.length - valid;
  }
}

type NumberArray = Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
type NumberArrayCtor = new (length: number) => NumberArray;

/** Fixed-width values held as JS numbers: TINYINT, SMALLINT, INT, DATE, FLOAT, DOUBLE. */
export class NumberBuilder extends BuilderBase {
  readonly kind = 'number';
  values: NumberArray;

  constructor(
    type: DataType,
    private readonly ctor: NumberArrayCtor,
  ) {
    super(type);
    this.values = new ctor(INITIAL_CAPACITY);
  }

  /** Appends a value already checked to fit the column's type. */
  append(value: number): void {
    if (this.length === this.values.length) this.grow();
    if (this.validity !== null) this.setValid(true);
    this.values[this.length++] = value;
  }

  appendNull(): void {
    if (this.length === this.values.length) this.grow();
    this.setValid(false);
    this.values[this.length++] = 0;
  }

  byteSize(): number {
    return this.length * this.values.BYTES_PER_ELEMENT;
  }

  private grow(): void {
    const next = new this.ctor(grownCapacity(this.values.length, this.length + 1));
    next.set(this.values);
    this.values = next;
  }
}

const TWO_POW_32 = 4294967296;

/**
 * 64-bit integers: BIGINT, TIMESTAMP, TIMESTAMP_NTZ. Values can be appended as two 32-bit halves or as a
 * safe-integer number, so the hot paths never create a bigint.
 */
export class Int64Builder extends BuilderBase {
  readonly kind = 'int64';
  values = new BigInt64Array(INITIAL_CAPACITY);
  /** The same memory as 32-bit words, little-endian: word 2i is the low half of value i. */
  private words = new Int32Array(this.values.buffer);

  /** Appends `hi * 2^32 + lo` (two's complement; `lo` and `hi` taken modulo 2^32). */
  appendParts(lo: number, hi: number): void {
    if (this.length === this.values.length) this.grow();
    if (this.validity !== null) this.setValid(true);
    const w = this.length++ << 1;
    this.words[w] = lo;
    this.words[w + 1] = hi;
  }

  /** Appends a safe integer given as a number. */
  appendNumber(value: number): void {
    this.appendParts(value >>> 0, Math.floor(value / TWO_POW_32));
  }

  /** Appends a value already checked to lie in the signed 64-bit range. */
  appendBigInt(value: bigint): void {
    if (this.length === this.values.length) this.grow();
    if (this.validity !== null) this.setValid(true);
    this.values[this.length++] = value;
  }

  appendNull(): void {
    if (this.length === this.values.length) this.grow();
    this.setValid(false);
    this.values[this.length++] = 0n;
  }

  byteSize(): number {
    return this.length * 8;
  }

  private grow(): void {
    const next = new BigInt64Array(grownCapacity(this.values.length, this.length + 1));
    next.set(this.values);
    this.values = next;
    this.words = new Int32Array(next.buffer);
  }
}

/** BOOLEAN: one byte per value here, packed into bits when the Arrow data is built. */
export class BoolBuilder extends BuilderBase {
  readonly kind = 'bool';
  values = new Uint8Array(INITIAL_CAPACITY);

  append(value: boolean): void {
    if (this.length === this.values.length) this.grow();
    if (this.validity !== null) this.setValid(true);
    this.values[this.length++] = value ? 1 : 0;
  }

  appendNull(): void {
    if (this.length === this.values.length) this.grow();
    this.setValid(false);
    this.values[this.length++] = 0;
  }

  byteSize(): number {
    return this.length >>> 3;
  }

  private grow(): void {
    const next = new Uint8Array(grownCapacity(this.values.length, this.length + 1));
    next.set(this.values);
    this.values = next;
  }
}

/** DECIMAL(p,s): the unscaled value as 128-bit little-endian two's complement, Arrow's Decimal128 layout. */
export class DecimalBuilder extends BuilderBase {
  readonly kind = 'decimal';
  /** Two 64-bit words per value, low word first. */
  values = new BigUint64Array(INITIAL_CAPACITY * 2);

  /** Appends an unscaled value already checked against the column's precision. */
  append(unscaled: bigint): void {
    if (this.length * 2 === this.values.length) this.grow();
    if (this.validity !== null) this.setValid(true);
    const w = this.length++ * 2;
    this.values[w] = BigInt.asUintN(64, unscaled);
    this.values[w + 1] = BigInt.asUintN(64, unscaled >> 64n);
  }

  appendNull(): void {
    if (this.length * 2 === this.values.length) this.grow();
    this.setValid(false);
    const w = this.length++ * 2;
    this.values[w] = 0n;
    this.values[w + 1] = 0n;
  }

  byteSize(): number {
    return this.length * 16;
  }

  private grow(): void {
    const next = new BigUint64Array(grownCapacity(this.values.length, this.length * 2 + 2));
    next.set(this.values);
    this.values = next;
  }
}

/** Arrow's Utf8 and Binary offsets are signed 32-bit. */
const MAX_OFFSET = 2 ** 31 - 1;

/** Below this length a byte loop beats `set(subarray(...))`, which allocates a view. */
const SHORT_COPY = 32;
/** Up to this length a copy loop that also checks for ASCII beats a view and the native UTF-8 check. */
const SHORT_UTF8 = 128;

/** STRING and BINARY: Arrow's variable-width layout, offsets into one growing byte buffer. */
export class BytesBuilder extends BuilderBase {
  readonly kind = 'bytes';
  /** `offsets[i]..offsets[i + 1]` are the bytes of value i; `offsets[length]` is the bytes used. */
  offsets = new Int32Array(INITIAL_CAPACITY + 1);
  data: Buffer = Buffer.allocUnsafe(INITIAL_CAPACITY * 8);

  /** Appends a JS string as UTF-8 (lone surrogates become U+FFFD). */
  appendString(value: string): void {
    const used = this.beginValue(value.length * 3);
    const n = value.length;
    let i = 0;
    // ASCII prefix by hand: most strings are short and ASCII, and a native call costs more than the loop.
    if (n <= SHORT_COPY) {
      const data = this.data;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        data[used + i] = c;
      }
    }
    const written = i === n ? n : i + this.data.write(value.slice(i), used + i, 'utf8');
    this.endValue(used + written);
  }

  /** Appends bytes `[start, end)` of `source` (copied). */
  appendBytes(source: Uint8Array, start: number, end: number): void {
    const n = end - start;
    const used = this.beginValue(n);
    const data = this.data;
    if (n <= SHORT_COPY) {
      for (let i = 0; i < n; i++) data[used + i] = source[start + i]!;
    } else {
      data.set(start === 0 && end === source.length ? source : source.subarray(start, end), used);
    }
    this.endValue(used + n);
  }

  /**
   * Appends bytes `[start, end)` of `source` (copied) if they are valid UTF-8, as Arrow and Parquet require
   * of strings; returns false, appending nothing, if not. Short values are copied and checked for ASCII in
   * one loop, which beats the native check and the view it needs; only non-ASCII ones pay for both.
   */
  appendUtf8(source: Uint8Array, start: number, end: number): boolean {
    const n = end - start;
    const used = this.beginValue(n);
    const data = this.data;
    if (n <= SHORT_UTF8) {
      let high = 0;
      for (let i = 0; i < n; i++) {
        const byte = source[start + i]!;
        high |= byte;
        data[used + i] = byte;
      }
      if (high >= 0x80 && !isUtf8(data.subarray(used, used + n))) return false;
    } else {
      const view = source.subarray(start, end);
      if (!isUtf8(view)) return false;
      data.set(view, used);
    }
    this.endValue(used + n);
    return true;
  }

  appendNull(): void {
    const used = this.beginValue(0);
    this.setValid(false);
    this.offsets[++this.length] = used;
  }

  byteSize(): number {
    return this.offsets[this.length]! + 4 * this.length;
  }

  /**
   * Makes room for one more value of at most `maxBytes`; returns where its bytes start. Growing lives in
   * its own method so that this check stays small enough for V8 to inline into every append.
   */
  private beginValue(maxBytes: number): number {
    if (this.length + 1 === this.offsets.length || this.offsets[this.length]! + maxBytes > this.data.length) {
      this.makeRoom(maxBytes);
    }
    return this.offsets[this.length]!;
  }

  private makeRoom(maxBytes: number): void {
    if (this.length + 1 === this.offsets.length) {
      const next = new Int32Array(grownCapacity(this.offsets.length, this.length + 2));
      next.set(this.offsets);
      this.offsets = next;
    }
    const used = this.offsets[this.length]!;
    if (used + maxBytes > this.data.length) {
      if (used + maxBytes > MAX_OFFSET) {
        throw new TributaryError('resource_exhausted', 'a row batch column would exceed 2 GiB of string or binary data; flush batches sooner');
      }
      const next = Buffer.allocUnsafe(Math.min(grownCapacity(this.data.length, used + maxBytes), MAX_OFFSET));
      this.data.copy(next, 0, 0, used);
      this.data = next;
    }
  }

  private endValue(end: number): void {
    if (this.validity !== null) this.setValid(true);
    this.offsets[++this.length] = end;
  }
}

/** Shared by lists and maps: a growing offsets vector over child values. */
abstract class OffsetsBuilder extends BuilderBase {
  /** `offsets[i]..offsets[i + 1]` are the child slots of value i. */
  offsets = new Int32Array(INITIAL_CAPACITY + 1);

  /** Closes the value whose children were just appended; `childLength` is the children's new length. */
  protected close(childLength: number, valid: boolean): void {
    if (this.length + 1 === this.offsets.length) {
      const next = new Int32Array(grownCapacity(this.offsets.length, this.length + 2));
      next.set(this.offsets);
      this.offsets = next;
    }
    if (!valid || this.validity !== null) this.setValid(valid);
    this.offsets[++this.length] = childLength;
  }

  /** A null value: no child slots. */
  appendNull(): void {
    this.close(this.offsets[this.length]!, false);
  }
}

/** ARRAY<T>: append the elements to {@link element}, then call {@link endList}. */
export class ListBuilder extends OffsetsBuilder {
  readonly kind = 'list';

  constructor(
    type: DataType,
    readonly element: ColumnBuilder,
  ) {
    super(type);
  }

  /** Closes a list made of the elements appended since the previous value. */
  endList(): void {
    this.close(this.element.length, true);
  }

  override truncate(length: number): void {
    this.length = length;
    this.element.truncate(this.offsets[length]!);
  }

  byteSize(): number {
    return 4 * this.length + this.element.byteSize();
  }
}

/** MAP<K,V>: append each entry's key and value, then call {@link endMap}. */
export class MapBuilder extends OffsetsBuilder {
  readonly kind = 'map';

  constructor(
    type: DataType,
    readonly keys: ColumnBuilder,
    readonly values: ColumnBuilder,
  ) {
    super(type);
  }

  /** Closes a map made of the entries appended since the previous value. */
  endMap(): void {
    this.close(this.keys.length, true);
  }

  override truncate(length: number): void {
    this.length = length;
    const entries = this.offsets[length]!;
    this.keys.truncate(entries);
    this.values.truncate(entries);
  }

  byteSize(): number {
    return 4 * this.length + this.keys.byteSize() + this.values.byteSize();
  }
}

/** STRUCT<...>: append one value to every child, then call {@link endStruct}. */
export class StructBuilder extends BuilderBase {
  readonly kind = 'struct';

  constructor(
    type: DataType,
    readonly children: readonly ColumnBuilder[],
  ) {
    super(type);
  }

  /** Closes a struct whose children were each given one value. */
  endStruct(): void {
    if (this.validity !== null) this.setValid(true);
    this.length++;
  }

  /** A null struct still takes a slot in every child (Arrow children are as long as their parent). */
  appendNull(): void {
    for (const child of this.children) child.appendNull();
    this.setValid(false);
    this.length++;
  }

  override truncate(length: number): void {
    this.length = length;
    for (const child of this.children) child.truncate(length);
  }

  byteSize(): number {
    let size = this.length >>> 3;
    for (const child of this.children) size += child.byteSize();
    return size;
  }
}

/** A builder for one column or nested value; `kind` tells which layout it holds. */
export type ColumnBuilder =
  | NumberBuilder
  | Int64Builder
  | BoolBuilder
  | DecimalBuilder
  | BytesBuilder
  | ListBuilder
  | MapBuilder
  | StructBuilder;

/** Creates the builder for values of `type`, nested builders included. */
export function createBuilder(type: DataType): ColumnBuilder {
  switch (type.kind) {
    case 'byte':
      return new NumberBuilder(type, Int8Array);
    case 'short':
      return new NumberBuilder(type, Int16Array);
    case 'int':
    case 'date':
      return new NumberBuilder(type, Int32Array);
    case 'float':
      return new NumberBuilder(type, Float32Array);
    case 'double':
      return new NumberBuilder(type, Float64Array);
    case 'long':
    case 'timestamp':
    case 'timestamp_ntz':
      return new Int64Builder(type);
    case 'boolean':
      return new BoolBuilder(type);
    case 'decimal':
      return new DecimalBuilder(type);
    case 'string':
    case 'binary':
      return new BytesBuilder(type);
    case 'array':
      return new ListBuilder(type, createBuilder(type.element));
    case 'map':
      return new MapBuilder(type, createBuilder(type.key), createBuilder(type.value));
    case 'struct':
      return new StructBuilder(
        type,
        type.fields.map((f) => createBuilder(f.type)),
      );
    case 'variant':
      throw new TributaryError('invalid_argument', 'VARIANT columns cannot be ingested yet');
  }
}

declare const markBrand: unique symbol;
/** A position in a batch returned by {@link RowBatch.mark}. */
export type BatchMark = number & { readonly [markBrand]: true };

/**
 * The rows of one table accepted so far, column by column. Decoders append one value to every column and
 * then call {@link endRow}; a message is made atomic with {@link mark} and {@link rollback}.
 */
export class RowBatch {
  /** One builder per table column, in column order. */
  readonly builders: readonly ColumnBuilder[];
  private rows = 0;

  constructor(readonly columns: readonly Column[]) {
    this.builders = columns.map((c) => createBuilder(c.type));
  }

  /** Complete rows in the batch. */
  get rowCount(): number {
    return this.rows;
  }

  /** Completes the row whose values were just appended to every column. */
  endRow(): void {
    this.rows++;
  }

  /** The current position, to {@link rollback} to if the message being decoded turns out invalid. */
  mark(): BatchMark {
    return this.rows as BatchMark;
  }

  /** Drops every value appended after `mark`, complete rows and partly written ones alike. */
  rollback(mark: BatchMark): void {
    if (mark > this.rows) throw new RangeError(`rollback to ${mark} past the batch's ${this.rows} rows`);
    this.rows = mark;
    for (const b of this.builders) b.truncate(mark);
  }

  /** Runs `write`; if it throws, drops everything it appended (whole rows and partial ones) and rethrows. */
  atomically<T>(write: () => T): T {
    const mark = this.mark();
    try {
      return write();
    } catch (e) {
      this.rollback(mark);
      throw e;
    }
  }

  /** Empties the batch, keeping its buffers for reuse. */
  clear(): void {
    this.rollback(0 as BatchMark);
  }

  /** Approximate in-memory size of the rows held, for flush and backpressure thresholds. */
  get byteSize(): number {
    let size = 0;
    for (const b of this.builders) size += b.byteSize();
    return size;
  }
}
