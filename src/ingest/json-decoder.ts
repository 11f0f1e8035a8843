/**
 * JSON records → row batch, validated against the table's columns (`shared/specs/types.md`).
 *
 * A decoder is compiled once per stream: the column types are checked up front, and for each batch it is
 * handed, one writer closure per column and nested type is bound to that batch's builders, so decoding a
 * record is `JSON.parse` plus a walk over closures that check and append.
 */
import type { Column, DataType, StructField } from '../catalog/types.js';
import { TributaryError } from '../errors.js';
import {
  FieldProblem,
  listNames,
  malformedRecord,
  mismatch,
  recordError,
  sqlType,
} from './record-error.js';
import type {
  BoolBuilder,
  BytesBuilder,
  ColumnBuilder,
  DecimalBuilder,
  Int64Builder,
  ListBuilder,
  MapBuilder,
  NumberBuilder,
  RowBatch,
  StructBuilder,
} from './row-batch.js';
import { INT64_MAX, INT64_MIN, INT_RANGES, assertIngestible, parseDecimalText } from './value-checks.js';

/** Decodes JSON records into row batches of one table. */
export interface JsonDecoder {
  /**
   * Validates one record and appends it as a row. On any problem the batch is left exactly as it was and
   * a `TributaryError('invalid_argument')` names the offset (and `index` within a batch message), the field
   * path, the type expected and the value received.
   */
  decode(text: string, into: RowBatch, offset: bigint, index?: number): void;
  /** Decodes every record of a batch message, all or none. */
  decodeBatch(records: readonly string[], into: RowBatch, offset: bigint): void;
}

/** Checks that every column can be read from JSON and returns the stream's decoder. */
export function compileJsonDecoder(columns: readonly Column[]): JsonDecoder {
  assertIngestible(columns);
  for (const c of columns) checkMapKeys(c.type, c.name);
  return new CompiledJsonDecoder(columns);
}

function checkMapKeys(type: DataType, path: string): void {
  switch (type.kind) {
    case 'array':
      return checkMapKeys(type.element, `${path}[]`);
    case 'map':
      if (!KEY_KINDS.has(type.key.kind)) {
        throw new TributaryError(
          'invalid_argument',
          `column ${path} is ${sqlType(type)}: JSON object keys can only stand for string, integer, date, timestamp, boolean, floating-point or decimal map keys`,
          { field: path },
        );
      }
      return checkMapKeys(type.value, `${path}[]`);
    case 'struct':
      for (const f of type.fields) checkMapKeys(f.type, `${path}.${f.name}`);
      return;
    default:
      return;
  }
}

type Writer = (value: unknown) => void;
type RowWriter = (record: Record<string, unknown>) => void;

class CompiledJsonDecoder implements JsonDecoder {
  private bound?: { readonly batch: RowBatch; readonly write: RowWriter };

  constructor(private readonly columns: readonly Column[]) {}

  decode(text: string, into: RowBatch, offset: bigint, index?: number): void {
    const write = this.writerFor(into);
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (e) {
      throw malformedRecord(offset, index, `not valid JSON (${(e as Error).message})`);
    }
    if (!isObject(record)) {
      throw malformedRecord(offset, index, `expected a JSON object with one key per column, got ${describeKind(record)}`);
    }
    const mark = into.mark();
    try {
      write(record);
      into.endRow();
    } catch (e) {
      into.rollback(mark);
      if (e instanceof FieldProblem) throw recordError(e, offset, index);
      throw e;
    }
  }

  decodeBatch(records: readonly string[], into: RowBatch, offset: bigint): void {
    into.atomically(() => records.forEach((record, i) => this.decode(record, into, offset, i)));
  }

  private writerFor(batch: RowBatch): RowWriter {
    if (this.bound?.batch !== batch) {
      if (batch.columns.length !== this.columns.length) {
        throw new TributaryError('internal', 'row batch built for different columns than the decoder');
      }
      this.bound = { batch, write: fieldsWriter(this.columns, batch.builders, 'the table has no such column; its columns are') };
    }
    return this.bound.write;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * Writes the members of a JSON object to one builder per field. Unknown keys are refused (silently
 * dropping them would lose data); they are detected by counting, so the happy path does no lookups.
 */
function fieldsWriter(fields: readonly StructField[], builders: readonly ColumnBuilder[], unknownHint: string): RowWriter {
  const n = fields.length;
  const names = fields.map((f) => f.name);
  const known = new Set(names);
  // A column named like an Object.prototype member ("constructor") must not read the inherited value.
  const inherited = names.map((name) => name in Object.prototype);
  const writers = fields.map((f, i) => valueWriter(f.type, builders[i]!));
  const nullables = fields.map((f) => f.nullable);
  /** Appends column `i`'s value from the record: null where the column allows it. */
  const write = (i: number, value: unknown): void => {
    if (value === null) {
      if (!nullables[i]) throw new FieldProblem(`is NOT NULL but the record has null`).within(names[i]!);
      builders[i]!.appendNull();
      return;
    }
    try {
      writers[i]!(value);
    } catch (e) {
      if (e instanceof FieldProblem) e.within(names[i]!);
      throw e;
    }
  };
  /**
   * Most producers write every column, in column order: then the keys match the names one for one and the
   * values come in one call, with no lookup by name (measured: a fifth of decoding a 105-column record).
   */
  const writeInOrder = (record: Record<string, unknown>): boolean => {
    const keys = Object.keys(record);
    if (keys.length !== n) return false;
    for (let i = 0; i < n; i++) if (keys[i] !== names[i]) return false;
    const values = Object.values(record);
    for (let i = 0; i < n; i++) write(i, values[i]);
    return true;
  };
  return (record) => {
    if (writeInOrder(record)) return;
    let present = 0;
    let missing = -1;
    for (let i = 0; i < n; i++) {
      const name = names[i]!;
      const value = inherited[i] && !Object.hasOwn(record, name) ? undefined : record[name];
      if (value === undefined) {
        if (!nullables[i] && missing < 0) missing = i;
        builders[i]!.appendNull();
        continue;
      }
      present++;
      write(i, value);
    }
    let keys = 0;
    for (const _ in record) keys++;
    if (keys !== present) {
      const unknown = Object.keys(record).find((k) => !known.has(k)) ?? '';
      throw new FieldProblem(`${unknownHint}: ${listNames(names)}`).within(unknown);
    }
    if (missing >= 0) {
      const f = fields[missing]!;
      throw new FieldProblem(`is NOT NULL (${sqlType(f.type)}) but the record has no value for it`).within(f.name);
    }
  };
}

/** The writer appending a non-null JSON value of `type` to `builder` (both derived from the same type). */
function valueWriter(type: DataType, builder: ColumnBuilder): Writer {
  switch (builder.kind) {
    case 'number':
      return numberWriter(type, builder);
    case 'int64':
      return type.kind === 'long' ? bigintWriter(builder) : timestampWriter(type, builder);
    case 'bool':
      return boolWriter(builder);
    case 'decimal':
      if (type.kind === 'decimal') return decimalWriter(type, builder);
      break;
    case 'bytes':
      return type.kind === 'binary' ? binaryWriter(builder) : stringWriter(builder);
    case 'list':
      if (type.kind === 'array') return listWriter(type, builder);
      break;
    case 'map':
      if (type.kind === 'map') return mapWriter(type, builder);
      break;
    case 'struct':
      if (type.kind === 'struct') return structWriter(type, builder);
      break;
  }
  throw new TypeError(`a ${builder.kind} builder cannot hold ${type.kind} values`);
}

type TypeOf<K extends DataType['kind']> = Extract<DataType, { kind: K }>;

function numberWriter(type: DataType, b: NumberBuilder): Writer {
  const range = INT_RANGES[type.kind];
  if (range) {
    const { min, max } = range;
    const expected =
      type.kind === 'date'
        ? 'DATE (an integer count of days since 1970-01-01)'
        : `${sqlType(type)} (an integer from ${min} to ${max})`;
    const hint = type.kind === 'date' ? 'convert a date text with Math.floor(Date.parse(s) / 86400000)' : undefined;
    return (v) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        throw mismatch(expected, v, typeof v === 'string' ? hint : undefined);
      }
      b.append(v);
    };
  }
  if (type.kind === 'float') {
    return (v) => {
      if (typeof v !== 'number') throw mismatch('FLOAT (a JSON number)', v);
      if (!Number.isFinite(Math.fround(v))) throw mismatch('FLOAT (a number within ±3.4e38)', v);
      b.append(v);
    };
  }
  return (v) => {
    if (typeof v !== 'number') throw mismatch('DOUBLE (a JSON number)', v);
    b.append(v);
  };
}

const INTEGER_TEXT = /^[+-]?\d+$/;

function bigintWriter(b: Int64Builder): Writer {
  const expected = 'BIGINT (an integer, or a string of digits beyond ±2^53)';
  return (v) => {
    if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) return b.appendNumber(v);
      if (Number.isInteger(v)) {
        // JSON.parse has already rounded it: refusing is the only way not to store a different number.
        throw mismatch(
          expected,
          v,
          'integers beyond ±2^53 lose precision as JSON numbers; send them as strings, e.g. "9223372036854775807"',
        );
      }
      throw mismatch(expected, v);
    }
    if (typeof v === 'string' && INTEGER_TEXT.test(v)) {
      const n = BigInt(v);
      if (n >= INT64_MIN && n <= INT64_MAX) return b.appendBigInt(n);
    }
    throw mismatch(expected, v);
  };
}

function timestampWriter(type: DataType, b: Int64Builder): Writer {
  const expected = `${sqlType(type)} (an integer count of microseconds since the Unix epoch)`;
  return (v) => {
    if (typeof v === 'number' && Number.isSafeInteger(v)) return b.appendNumber(v);
    if (typeof v === 'string') {
      throw mismatch(
        expected,
        v,
        INTEGER_TEXT.test(v)
          ? 'send it as a JSON number, not a string'
          : 'convert a date-time text before sending: Date.parse(s) * 1000 in JavaScript, int(datetime.fromisoformat(s).timestamp() * 1_000_000) in Python, or time.time_ns() // 1000 for the current time',
      );
    }
    throw mismatch(expected, v);
  };
}

function boolWriter(b: BoolBuilder): Writer {
  return (v) => {
    if (typeof v !== 'boolean') throw mismatch('BOOLEAN (true or false)', v);
    b.append(v);
  };
}

function decimalWriter(type: TypeOf<'decimal'>, b: DecimalBuilder): Writer {
  const { precision, scale } = type;
  const expected = `${sqlType(type)} (decimal text such as "123.45")`;
  return (v) => {
    if (typeof v === 'number') {
      throw mismatch(expected, v, 'JSON numbers are binary floating point and cannot carry decimals exactly; send a string');
    }
    if (typeof v !== 'string') throw mismatch(expected, v);
    const parsed = parseDecimalText(v, precision, scale);
    if (!parsed.ok) throw mismatch(expected, v, parsed.reason);
    b.append(parsed.unscaled);
  };
}

function stringWriter(b: BytesBuilder): Writer {
  return (v) => {
    if (typeof v !== 'string') throw mismatch('STRING (a JSON string)', v);
    b.appendString(v);
  };
}

/** Standard or URL-safe base64, padded or not. */
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function binaryWriter(b: BytesBuilder): Writer {
  const expected = 'BINARY (a base64 string)';
  return (v) => {
    if (typeof v !== 'string' || !BASE64.test(v) || v.length % 4 === 1) throw mismatch(expected, v);
    const bytes = Buffer.from(v, 'base64');
    b.appendBytes(bytes, 0, bytes.length);
  };
}

function listWriter(type: TypeOf<'array'>, b: ListBuilder): Writer {
  const element = valueWriter(type.element, b.element);
  const containsNull = type.containsNull;
  const expected = `${sqlType(type)} (a JSON array)`;
  return (v) => {
    if (!Array.isArray(v)) throw mismatch(expected, v);
    let i = 0;
    try {
      for (; i < v.length; i++) {
        const e: unknown = v[i];
        if (e === null) {
          if (!containsNull) throw new FieldProblem('is null but the array does not allow null elements');
          b.element.appendNull();
        } else {
          element(e);
        }
      }
    } catch (e) {
      if (e instanceof FieldProblem) e.within(`[${i}]`);
      throw e;
    }
    b.endList();
  };
}

/** JSON keys the map key types are read from; nested key types have no JSON-key spelling. */
const KEY_KINDS: ReadonlySet<DataType['kind']> = new Set([
  'string',
  'byte',
  'short',
  'int',
  'long',
  'date',
  'timestamp',
  'timestamp_ntz',
  'boolean',
  'float',
  'double',
  'decimal',
]);

const NUMBER_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * The JSON value a map key's text stands for: keys are always strings in JSON, so `"42"` is the integer
 * 42 for an integer key type. Text that cannot be a key of the type is passed through, for the key's
 * writer to refuse with its usual message.
 */
function keyValue(kind: DataType['kind'], key: string): unknown {
  switch (kind) {
    case 'string':
    case 'decimal':
      return key;
    case 'boolean':
      return key === 'true' ? true : key === 'false' ? false : key;
    case 'long':
      return INTEGER_TEXT.test(key) && Number.isSafeInteger(Number(key)) ? Number(key) : key;
    default:
      return NUMBER_TEXT.test(key) ? Number(key) : key;
  }
}

function mapWriter(type: TypeOf<'map'>, b: MapBuilder): Writer {
  const keyKind = type.key.kind;
  const key = valueWriter(type.key, b.keys);
  const value = valueWriter(type.value, b.values);
  const valueContainsNull = type.valueContainsNull;
  const expected = `${sqlType(type)} (a JSON object)`;
  return (v) => {
    if (!isObject(v)) throw mismatch(expected, v);
    for (const k in v) {
      try {
        try {
          key(keyValue(keyKind, k));
        } catch (e) {
          if (e instanceof FieldProblem) throw new FieldProblem(`map key: ${e.message}`);
          throw e;
        }
        const item = v[k];
        if (item === null) {
          if (!valueContainsNull) throw new FieldProblem('is null but the map does not allow null values');
          b.values.appendNull();
        } else {
          value(item);
        }
      } catch (e) {
        if (e instanceof FieldProblem) e.within(`[${JSON.stringify(k)}]`);
        throw e;
      }
    }
    b.endMap();
  };
}

function structWriter(type: TypeOf<'struct'>, b: StructBuilder): Writer {
  const expected = `${sqlType(type)} (a JSON object)`;
  const fields = fieldsWriter(type.fields, b.children, 'the struct has no such field; its fields are');
  return (v) => {
    if (!isObject(v)) throw mismatch(expected, v);
    fields(v);
    b.endStruct();
  };
}
