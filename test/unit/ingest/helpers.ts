/**
 * Shared by the ingest decoder tests: table columns from SQL type text, and a reader of Arrow data that
 * walks the buffers itself (apache-arrow's `get()` turns microsecond timestamps into milliseconds and
 * decimals into strings, which would hide exactly the precision these tests check).
 */
import assert from 'node:assert/strict';
import { type Data, DataType, type RecordBatch, type Schema } from 'apache-arrow';
import { type Column, parseTypeText } from '../../../src/catalog/types.js';
import { toArrowSchema } from '../../../src/delta/arrow-schema.js';
import { decodeIpc, encodeIpc, toArrowRecordBatch } from '../../../src/ingest/arrow-batch.js';
import type { RowBatch } from '../../../src/ingest/row-batch.js';
import { TributaryError } from '../../../src/errors.js';

/** Columns from `[name, type text, nullable?]` triples (nullable by default). */
export function columns(spec: readonly (readonly [string, string, boolean?])[]): Column[] {
  return spec.map(([name, type, nullable], position) => ({ name, type: parseTypeText(type), nullable: nullable ?? true, position }));
}

/** A plain JS value for a cell: bigint for 64-bit integers, decimal text for DECIMAL, base64 for BINARY. */
export type Cell = null | boolean | number | bigint | string | Cell[] | [Cell, Cell][] | { [name: string]: Cell };

/** The rows of a batch after the full trip RowBatch → Arrow → IPC → Arrow. */
export function roundTrip(batch: RowBatch): Record<string, Cell>[] {
  const schema = toArrowSchema(batch.columns);
  const ipc = encodeIpc(toArrowRecordBatch(batch, schema));
  const decoded = decodeIpc(ipc);
  assert.equal(decoded.length, 1);
  return rowsOf(decoded[0]!, schema);
}

/** Reads every row of a record batch, checking its schema is `schema`. */
export function rowsOf(batch: RecordBatch, schema: Schema): Record<string, Cell>[] {
  assert.equal(String(batch.schema.fields.map(String)), String(schema.fields.map(String)));
  const columns = batch.schema.fields.map((f, i) => ({ name: f.name, data: batch.data.children[i]! }));
  return Array.from({ length: batch.numRows }, (_, row) => {
    const out: Record<string, Cell> = {};
    for (const c of columns) out[c.name] = cell(c.data, row);
    return out;
  });
}

function isValid(data: Data, i: number): boolean {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return true;
  const at = data.offset + i;
  return ((bitmap[at >> 3]! >> (at & 7)) & 1) === 1;
}

function cell(data: Data, i: number): Cell {
  if (!isValid(data, i)) return null;
  const type = data.type;
  const at = data.offset + i;
  if (DataType.isBool(type)) return ((data.values[at >> 3]! >> (at & 7)) & 1) === 1;
  if (DataType.isDecimal(type)) {
    const words = data.values as Uint32Array;
    let v = 0n;
    for (let w = 3; w >= 0; w--) v = (v << 32n) | BigInt(words[at * 4 + w]!);
    return decimalText(BigInt.asIntN(128, v), type.scale);
  }
  if (DataType.isUtf8(type) || DataType.isBinary(type)) {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = (data.values as Uint8Array).subarray(offsets[at]!, offsets[at + 1]!);
    return DataType.isUtf8(type) ? new TextDecoder('utf-8', { fatal: true }).decode(bytes) : Buffer.from(bytes).toString('base64');
  }
  if (DataType.isList(type)) {
    const offsets = data.valueOffsets as Int32Array;
    const child = data.children[0]!;
    const out: Cell[] = [];
    for (let j = offsets[at]!; j < offsets[at + 1]!; j++) out.push(cell(child, j));
    return out;
  }
  if (DataType.isMap(type)) {
    const offsets = data.valueOffsets as Int32Array;
    const entries = data.children[0]!;
    const out: [Cell, Cell][] = [];
    for (let j = offsets[at]!; j < offsets[at + 1]!; j++) out.push([cell(entries.children[0]!, j), cell(entries.children[1]!, j)]);
    return out;
  }
  if (DataType.isStruct(type)) {
    const out: Record<string, Cell> = {};
    type.children.forEach((f, k) => (out[f.name] = cell(data.children[k]!, i)));
    return out;
  }
  const value = (data.values as ArrayLike<number | bigint>)[at]!;
  return value;
}

function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** Asserts `fn` throws an invalid_argument TributaryError whose message contains every fragment. */
export function assertRejects(fn: () => unknown, fragments: readonly (string | RegExp)[], context?: { offset?: bigint; field?: string }): TributaryError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof TributaryError, `expected a TributaryError, got ${String(caught)}`);
  assert.equal(caught.kind, 'invalid_argument');
  for (const f of fragments) {
    if (typeof f === 'string') assert.ok(caught.message.includes(f), `message ${JSON.stringify(caught.message)} lacks ${JSON.stringify(f)}`);
    else assert.match(caught.message, f);
  }
  if (context?.offset !== undefined) assert.equal(caught.context.offset, context.offset);
  if (context?.field !== undefined) assert.equal(caught.context.field, context.field);
  return caught;
}
