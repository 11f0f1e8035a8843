/**
 * Builds Arrow batches of a schema from plain rows, exactly: microsecond timestamps as bigint and decimals
 * from their text, which apache-arrow's own builders cannot do. Used for checkpoints (the log's actions as
 * rows) and by tests and benches to make WAL payloads.
 *
 * Conventions: long and timestamp values are bigint (or safe-integer numbers), date is days, decimal is its
 * text, binary a Uint8Array, array a JS array, map an array of [key, value] pairs, struct an object; null or
 * undefined is null.
 */
import { RecordBatch, Struct, makeData, tableToIPC, Table, type Data } from 'apache-arrow';
import type { DataType, StructField } from '../catalog/types.js';
import { TributaryError } from '../errors.js';
import { toArrowSchema, toArrowType } from './arrow-schema.js';

type Row = Readonly<Record<string, unknown>>;

/** One record batch holding `rows`. */
export function batchFromRows(fields: readonly StructField[], rows: readonly Row[]): RecordBatch {
  const schema = toArrowSchema(fields);
  const children = fields.map((f) => buildData(f.type, rows.map((r) => r[f.name])));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children }));
}

/** The Arrow IPC stream (schema + one batch) of `rows`, as the WAL stores it. */
export function ipcFromRows(fields: readonly StructField[], rows: readonly Row[]): Uint8Array {
  const batch = batchFromRows(fields, rows);
  return tableToIPC(new Table(batch.schema, [batch]), 'stream');
}

function validity(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null || v === undefined) nullCount++;
    else nullBitmap[i >> 3]! |= 1 << (i & 7);
  });
  return { nullBitmap, nullCount };
}

function offsetsOf(lengths: readonly number[]): Int32Array {
  const offsets = new Int32Array(lengths.length + 1);
  lengths.forEach((n, i) => (offsets[i + 1] = offsets[i]! + n));
  return offsets;
}

/** apache-arrow types makeData per Arrow type; here the type is only known at run time. */
const make = makeData as unknown as (props: Record<string, unknown>) => Data;

function buildData(type: DataType, values: readonly unknown[]): Data {
  const arrowType = toArrowType(type);
  const { nullBitmap, nullCount } = validity(values);
  const length = values.length;
  const present = (v: unknown) => v !== null && v !== undefined;
  switch (type.kind) {
    case 'string':
    case 'binary': {
      const parts = values.map((v) =>
        !present(v) ? new Uint8Array(0) : typeof v === 'string' ? Buffer.from(v, 'utf8') : (v as Uint8Array),
      );
      const valueOffsets = offsetsOf(parts.map((p) => p.length));
      const data = new Uint8Array(Buffer.concat(parts));
      return make({ type: arrowType, length, nullCount, nullBitmap, valueOffsets, data });
    }
    case 'boolean': {
      const data = new Uint8Array(Math.ceil(length / 8));
      values.forEach((v, i) => {
        if (v === true) data[i >> 3]! |= 1 << (i & 7);
      });
      return make({ type: arrowType, length, nullCount, nullBitmap, data });
    }
    case 'byte':
      return make({ type: arrowType, length, nullCount, nullBitmap, data: Int8Array.from(values, num) });
    case 'short':
      return make({ type: arrowType, length, nullCount, nullBitmap, data: Int16Array.from(values, num) });
    case 'int':
    case 'date':
      return make({ type: arrowType, length, nullCount, nullBitmap, data: Int32Array.from(values, num) });
    case 'float':
      return make({ type: arrowType, length, nullCount, nullBitmap, data: Float32Array.from(values, num) });
    case 'double':
      return make({ type: arrowType, length, nullCount, nullBitmap, data: Float64Array.from(values, num) });
    case 'long':
    case 'timestamp':
    case 'timestamp_ntz':
      return make({
        type: arrowType,
        length,
        nullCount,
        nullBitmap,
        data: BigInt64Array.from(values, (v) => (present(v) ? BigInt(v as bigint) : 0n)),
      });
    case 'decimal': {
      const data = new Uint32Array(length * 4);
      values.forEach((v, i) => {
        if (!present(v)) return;
        let unscaled = BigInt.asUintN(128, parseDecimal(String(v), type.scale));
        for (let w = 0; w < 4; w++) {
          data[i * 4 + w] = Number(unscaled & 0xffffffffn);
          unscaled >>= 32n;
        }
      });
      return make({ type: arrowType, length, nullCount, nullBitmap, data });
    }
    case 'array': {
      const lists = values.map((v) => (present(v) ? (v as unknown[]) : []));
      const child = buildData(type.element, lists.flat());
      return make({
        type: arrowType,
        length,
        nullCount,
        nullBitmap,
        valueOffsets: offsetsOf(lists.map((l) => l.length)),
        child,
      });
    }
    case 'map': {
      const entries = values.map((v) => (present(v) ? (v as [unknown, unknown][]) : []));
      const flat = entries.flat();
      const entryType = (arrowType.children as { type: Struct }[])[0]!.type;
      const child = make({
        type: entryType,
        length: flat.length,
        nullCount: 0,
        children: [buildData(type.key, flat.map((e) => e[0])), buildData(type.value, flat.map((e) => e[1]))],
      });
      return make({
        type: arrowType,
        length,
        nullCount,
        nullBitmap,
        valueOffsets: offsetsOf(entries.map((e) => e.length)),
        child,
      });
    }
    case 'struct': {
      const children = type.fields.map((f) =>
        buildData(
          f.type,
          values.map((v) => (present(v) ? (v as Row)[f.name] : null)),
        ),
      );
      return make({ type: arrowType, length, nullCount, nullBitmap, children });
    }
    case 'variant':
      throw new TributaryError('invalid_argument', 'VARIANT values cannot be built yet');
  }
}

function num(v: unknown): number {
  return v === null || v === undefined ? 0 : Number(v);
}

/** `"-123.45"` at scale 2 → -12345n. */
export function parseDecimal(text: string, scale: number): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new TributaryError('invalid_argument', `not a decimal: ${JSON.stringify(text)}`);
  const frac = (m[3] ?? '').padEnd(scale, '0');
  if (frac.length > scale) {
    throw new TributaryError('invalid_argument', `decimal ${text} has more than ${scale} fraction digits`);
  }
  const unscaled = BigInt(m[2]! + frac);
  return m[1] === '-' ? -unscaled : unscaled;
}
