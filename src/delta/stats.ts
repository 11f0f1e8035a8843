/**
 * Per-file Delta statistics (`numRecords`, `minValues`, `maxValues`, `nullCount`) computed from the Arrow
 * batches a data file is written from.
 *
 * Readers skip files on these bounds, so a wrong bound silently drops rows from query results. Every rule
 * below errs towards leaving a bound out:
 * - strings are compared as UTF-8 bytes (the order readers use), min truncated to a 32-character prefix, max
 *   truncated and then raised by appending U+10FFFF (left out when that would not stay above the real max);
 * - timestamps are ISO-8601 with milliseconds, min rounded down and max rounded up;
 * - TIMESTAMP_NTZ bounds are left out: readers disagree on their string form;
 * - decimals above 15 digits are left out: readers parse bounds as doubles, which would round them;
 * - floats with NaN or ±Infinity get no bounds; booleans and binaries never do;
 * - arrays and maps get no statistics at all; struct members are nested objects, and a member of a null
 *   struct counts as null.
 */
import type { Data, RecordBatch, Schema } from 'apache-arrow';
import type { DataType, StructField } from '../catalog/types.js';

/** Characters kept in string bounds. */
export const STRING_PREFIX_LENGTH = 32;
/** Largest decimal precision whose bounds survive a reader's double parsing exactly. */
const MAX_EXACT_DECIMAL_PRECISION = 15;

/** A JSON number written verbatim (64-bit integers and decimals would lose digits as JS numbers). */
class RawNumber {
  constructor(readonly text: string) {}
}

type StatValue = number | string | RawNumber;
interface StatTree {
  [name: string]: StatValue | StatTree;
}
interface CountTree {
  [name: string]: number | CountTree;
}

interface LeafResult {
  readonly min?: StatValue;
  readonly max?: StatValue;
}

/** Accumulates one column (or struct member) over the batches of a file. */
interface Accumulator {
  /** `mask[i] === 0` means an enclosing struct is null at row i. */
  observe(data: Data, mask: Uint8Array | null): void;
  bounds(): { min?: StatValue | StatTree; max?: StatValue | StatTree };
  nulls(): number | CountTree | undefined;
}

/** Collects the statistics of one data file; feed it every batch, then take {@link StatsCollector.toJson}. */
export class StatsCollector {
  private numRecords = 0;
  private readonly columns: { name: string; acc: Accumulator }[];
  private indexedSchema: Schema | undefined;
  private indices: readonly number[] = [];

  constructor(fields: readonly StructField[]) {
    this.columns = fields.flatMap((f) => {
      const acc = accumulatorFor(f.type);
      return acc ? [{ name: f.name, acc }] : [];
    });
  }

  add(batch: RecordBatch): void {
    this.numRecords += batch.numRows;
    const children = batch.data.children;
    const indices = this.childIndices(batch.schema);
    for (let c = 0; c < this.columns.length; c++) {
      const data = children[indices[c]!];
      if (data) this.columns[c]!.acc.observe(data, null);
    }
  }

  /** Where each collected column sits in batches of `schema`; a file's batches share one schema object. */
  private childIndices(schema: Schema): readonly number[] {
    if (schema !== this.indexedSchema) {
      const position = new Map(schema.fields.map((f, i) => [f.name, i]));
      this.indices = this.columns.map(({ name }) => position.get(name) ?? -1);
      this.indexedSchema = schema;
    }
    return this.indices;
  }

  /** The `stats` string of the file's `add` action. */
  toJson(): string {
    const minValues: StatTree = {};
    const maxValues: StatTree = {};
    const nullCount: CountTree = {};
    for (const { name, acc } of this.columns) {
      const { min, max } = acc.bounds();
      if (min !== undefined) minValues[name] = min;
      if (max !== undefined) maxValues[name] = max;
      const nulls = acc.nulls();
      if (nulls !== undefined) nullCount[name] = nulls;
    }
    return (
      `{"numRecords":${this.numRecords},"minValues":${stringify(minValues)},` +
      `"maxValues":${stringify(maxValues)},"nullCount":${stringify(nullCount)}}`
    );
  }
}

function stringify(value: StatValue | StatTree | CountTree | number): string {
  if (value instanceof RawNumber) return value.text;
  if (typeof value !== 'object') return JSON.stringify(value);
  return `{${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}:${stringify(v)}`)
    .join(',')}}`;
}

function accumulatorFor(type: DataType): Accumulator | undefined {
  switch (type.kind) {
    case 'byte':
    case 'short':
    case 'int':
    case 'float':
    case 'double':
      return new NumberAccumulator((v) => v);
    case 'date':
      return new NumberAccumulator(formatDate);
    case 'long':
      return new BigIntAccumulator((min, max) => ({ min: new RawNumber(String(min)), max: new RawNumber(String(max)) }));
    case 'timestamp':
      return new BigIntAccumulator(timestampBounds);
    case 'decimal':
      return type.precision <= MAX_EXACT_DECIMAL_PRECISION ? new DecimalAccumulator(type.scale) : new NullCounter();
    case 'string':
      return new StringAccumulator();
    case 'boolean':
    case 'binary':
    case 'timestamp_ntz':
    case 'variant':
      return new NullCounter();
    case 'struct':
      return new StructAccumulator(type.fields);
    case 'array':
    case 'map':
      return undefined;
  }
}

/** Whether every row of `data` is valid and inside valid structs: then rows are visited without checks. */
function allValid(data: Data, mask: Uint8Array | null): boolean {
  return mask === null && (data.nullCount === 0 || !data.nullBitmap);
}

/**
 * Calls `visit(i)` for each row that is valid in `data` and in `mask`, and returns how many were null.
 * Validity bits are indexed from `data.offset`; value buffers already start at row 0.
 */
function forEachValid(data: Data, mask: Uint8Array | null, visit: (i: number) => void): number {
  if (allValid(data, mask)) {
    for (let i = 0; i < data.length; i++) visit(i);
    return 0;
  }
  const bitmap = data.nullCount > 0 ? data.nullBitmap : undefined;
  const offset = data.offset;
  let nulls = 0;
  for (let i = 0; i < data.length; i++) {
    if (mask !== null && mask[i] === 0) {
      nulls++;
      continue;
    }
    if (bitmap !== undefined) {
      const bit = offset + i;
      if ((bitmap[bit >> 3]! & (1 << (bit & 7))) === 0) {
        nulls++;
        continue;
      }
    }
    visit(i);
  }
  return nulls;
}

class NullCounter implements Accumulator {
  protected nullCount = 0;
  observe(data: Data, mask: Uint8Array | null): void {
    this.nullCount += forEachValid(data, mask, () => {});
  }
  bounds(): LeafResult {
    return {};
  }
  nulls(): number {
    return this.nullCount;
  }
}

/** 8/16/32-bit integers, floats and doubles (as JS numbers), and dates (days). */
class NumberAccumulator extends NullCounter {
  private min = Infinity;
  private max = -Infinity;
  private unbounded = false;

  constructor(private readonly format: (v: number) => StatValue | undefined) {
    super();
  }

  override observe(data: Data, mask: Uint8Array | null): void {
    const values = data.values as ArrayLike<number>;
    if (allValid(data, mask)) {
      let { min, max } = this;
      for (let i = 0; i < data.length; i++) {
        const v = values[i]!;
        if (v < min) min = v;
        if (v > max) max = v;
        // NaN fails both comparisons: it is caught here, infinities by the final bounds.
        if (v !== v) this.unbounded = true;
      }
      this.min = min;
      this.max = max;
      if (!Number.isFinite(min) || !Number.isFinite(max)) this.unbounded ||= data.length > 0;
      return;
    }
    this.nullCount += forEachValid(data, mask, (i) => {
      const v = values[i]!;
      if (!Number.isFinite(v)) this.unbounded = true;
      else {
        if (v < this.min) this.min = v;
        if (v > this.max) this.max = v;
      }
    });
  }

  override bounds(): LeafResult {
    if (this.unbounded || this.min > this.max) return {};
    const min = this.format(this.min);
    const max = this.format(this.max);
    return min === undefined || max === undefined ? {} : { min, max };
  }
}

/**
 * 64-bit integers and timestamps (microseconds), compared as pairs of 32-bit words: reading a
 * BigInt64Array element allocates a bigint, which made these columns the costliest part of a wide table's
 * statistics.
 */
class BigIntAccumulator extends NullCounter {
  private seen = false;
  private minHi = 0;
  private minLo = 0;
  private maxHi = 0;
  private maxLo = 0;

  constructor(private readonly format: (min: bigint, max: bigint) => LeafResult) {
    super();
  }

  override observe(data: Data, mask: Uint8Array | null): void {
    const values = data.values as BigInt64Array;
    const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
    if (allValid(data, mask)) {
      for (let i = 0; i < data.length; i++) this.offer(words[2 * i + 1]!, words[2 * i]! >>> 0);
      return;
    }
    this.nullCount += forEachValid(data, mask, (i) => this.offer(words[2 * i + 1]!, words[2 * i]! >>> 0));
  }

  /** Takes the value whose high word is `hi` (signed) and low word `lo` (unsigned) as the new min or max if it is one. */
  private offer(hi: number, lo: number): void {
    if (!this.seen) {
      this.seen = true;
      this.minHi = this.maxHi = hi;
      this.minLo = this.maxLo = lo;
      return;
    }
    if (hi < this.minHi || (hi === this.minHi && lo < this.minLo)) {
      this.minHi = hi;
      this.minLo = lo;
    }
    if (hi > this.maxHi || (hi === this.maxHi && lo > this.maxLo)) {
      this.maxHi = hi;
      this.maxLo = lo;
    }
  }

  override bounds(): LeafResult {
    if (!this.seen) return {};
    return this.format(fromWords(this.minHi, this.minLo), fromWords(this.maxHi, this.maxLo));
  }
}

function fromWords(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Decimals of up to 15 digits: the unscaled value fits a double exactly, read from the low two words. */
class DecimalAccumulator extends NullCounter {
  private min = Infinity;
  private max = -Infinity;

  constructor(private readonly scale: number) {
    super();
  }

  override observe(data: Data, mask: Uint8Array | null): void {
    const words = data.values as Uint32Array;
    this.nullCount += forEachValid(data, mask, (i) => {
      const v = (words[4 * i + 1]! | 0) * 0x1_0000_0000 + words[4 * i]!;
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
    });
  }

  override bounds(): LeafResult {
    if (this.min > this.max) return {};
    return {
      min: new RawNumber(formatUnscaled(BigInt(this.min), this.scale)),
      max: new RawNumber(formatUnscaled(BigInt(this.max), this.scale)),
    };
  }
}

/**
 * Bytes of a string that decide its truncated bound: 32 code points take at most 128 bytes, so two strings
 * equal in their first 129 bytes both have more than 32 code points and the same 32-code-point prefix, and
 * thus the same truncated min and max. Comparing no further keeps long values (16 KB padding, say) cheap.
 */
const DECIDING_BYTES = 4 * STRING_PREFIX_LENGTH + 1;

/** Strings, compared as UTF-8 bytes without decoding each value. */
class StringAccumulator extends NullCounter {
  private min: Uint8Array | undefined;
  private max: Uint8Array | undefined;

  override observe(data: Data, mask: Uint8Array | null): void {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    if (allValid(data, mask)) {
      for (let i = 0; i < data.length; i++) this.offer(bytes, offsets[i]!, offsets[i + 1]!);
      return;
    }
    this.nullCount += forEachValid(data, mask, (i) => this.offer(bytes, offsets[i]!, offsets[i + 1]!));
  }

  /**
   * Takes `bytes[start, end)` as the new min or max if it is one. Most values lose on their first byte, and
   * nothing sorts below an empty min, so those are settled without a full comparison.
   */
  private offer(bytes: Uint8Array, start: number, end: number): void {
    const { min, max } = this;
    if (min === undefined || max === undefined) {
      this.min = this.max = bytes.slice(start, end);
      return;
    }
    const first = start < end ? bytes[start]! : -1;
    const decidingEnd = Math.min(end, start + DECIDING_BYTES);
    if (min.length > 0 && first <= min[0]! && compareBytes(bytes, start, decidingEnd, min, DECIDING_BYTES) < 0) {
      this.min = bytes.slice(start, end);
    }
    if (first >= (max.length > 0 ? max[0]! : -1) && compareBytes(bytes, start, decidingEnd, max, DECIDING_BYTES) > 0) {
      this.max = bytes.slice(start, end);
    }
  }

  override bounds(): LeafResult {
    if (this.min === undefined || this.max === undefined) return {};
    const min = truncateMin(Buffer.from(this.min).toString('utf8'));
    const max = truncateMax(Buffer.from(this.max).toString('utf8'));
    return max === undefined ? { min } : { min, max };
  }
}

class StructAccumulator implements Accumulator {
  private readonly members: { name: string; index: number; acc: Accumulator }[];

  constructor(fields: readonly StructField[]) {
    this.members = fields.flatMap((f, index) => {
      const acc = accumulatorFor(f.type);
      return acc ? [{ name: f.name, index, acc }] : [];
    });
  }

  observe(data: Data, mask: Uint8Array | null): void {
    const valid = new Uint8Array(data.length);
    forEachValid(data, mask, (i) => {
      valid[i] = 1;
    });
    for (const { index, acc } of this.members) {
      const child = data.children[index];
      if (child) acc.observe(child, valid);
    }
  }

  bounds(): { min?: StatTree; max?: StatTree } {
    const min: StatTree = {};
    const max: StatTree = {};
    for (const { name, acc } of this.members) {
      const b = acc.bounds();
      if (b.min !== undefined) min[name] = b.min;
      if (b.max !== undefined) max[name] = b.max;
    }
    return {
      ...(Object.keys(min).length > 0 ? { min } : {}),
      ...(Object.keys(max).length > 0 ? { max } : {}),
    };
  }

  nulls(): CountTree | undefined {
    const out: CountTree = {};
    for (const { name, acc } of this.members) {
      const n = acc.nulls();
      if (n !== undefined) out[name] = n;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
}

/**
 * Lexicographic comparison of `bytes[start, end)` with the first `limit` bytes of `other` (UTF-8 byte order
 * = code point order).
 */
export function compareBytes(
  bytes: Uint8Array,
  start: number,
  end: number,
  other: Uint8Array,
  limit = other.length,
): number {
  const otherLength = Math.min(other.length, limit);
  const n = Math.min(end - start, otherLength);
  for (let k = 0; k < n; k++) {
    const d = bytes[start + k]! - other[k]!;
    if (d !== 0) return d;
  }
  return end - start - otherLength;
}

const MAX_CODE_POINT = String.fromCodePoint(0x10ffff);

/** A lower bound for a string: its first characters (a prefix never sorts after the string). */
export function truncateMin(value: string): string {
  const chars = Array.from(value);
  return chars.length <= STRING_PREFIX_LENGTH ? value : chars.slice(0, STRING_PREFIX_LENGTH).join('');
}

/**
 * An upper bound for a string: short strings as they are; longer ones cut and followed by U+10FFFF, which
 * sorts after whatever character came next, unless that character already was U+10FFFF (then no bound).
 */
export function truncateMax(value: string): string | undefined {
  const chars = Array.from(value);
  if (chars.length <= STRING_PREFIX_LENGTH) return value;
  if (chars[STRING_PREFIX_LENGTH] === MAX_CODE_POINT) return undefined;
  return chars.slice(0, STRING_PREFIX_LENGTH).join('') + MAX_CODE_POINT;
}

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Days since the epoch as `YYYY-MM-DD`, or undefined outside years 0000–9999. */
export function formatDate(days: number): string | undefined {
  const ms = days * MS_PER_DAY;
  if (Math.abs(ms) > 8.64e15) return undefined;
  const text = new Date(ms).toISOString().slice(0, 10);
  return ISO_DATE.test(text) ? text : undefined;
}

/** Microseconds since the epoch, rounded down (`up` false) or up to milliseconds, as ISO-8601 UTC. */
export function formatTimestamp(micros: bigint, up: boolean): string | undefined {
  let ms = micros / 1000n;
  const rest = micros % 1000n;
  if (rest < 0n && !up) ms -= 1n;
  if (rest > 0n && up) ms += 1n;
  const n = Number(ms);
  if (Math.abs(n) > 8.64e15) return undefined;
  const text = new Date(n).toISOString();
  return ISO_TIMESTAMP.test(text) ? text : undefined;
}

function timestampBounds(min: bigint, max: bigint): LeafResult {
  const lo = formatTimestamp(min, false);
  const hi = formatTimestamp(max, true);
  return lo === undefined || hi === undefined ? {} : { min: lo, max: hi };
}

/** An unscaled decimal integer as decimal text: (-12345, 2) → `-123.45`. */
export function formatUnscaled(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}
