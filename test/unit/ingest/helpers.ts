/**
 * Shared by the ingest decoder tests: table columns from SQL type text, and a reader of Arrow data that
 * walks the buffers itself (apache-arrow's `get()` turns microsecond timestamps into milliseconds and
 * decimals into strings, which would hide exactly the precision these tests check).
 */
import assert from 'node:assert/strict';
import { type Data, DataType, type RecordBatch, type Schema } from 'apache-arrow';
import protobuf from 'protobufjs';
import descriptorExt from 'protobufjs/ext/descriptor/index.js';
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

/** A message type parsed from `.proto` text by protobufjs, as a producer would hold it. */
export interface ProtoFixture {
  readonly type: protobuf.Type;
  /** `DescriptorProto` of the message as the official clients send it (relative type names, as protobufjs writes them). */
  readonly descriptor: Uint8Array;
  /** The same descriptor with fully qualified type names, as protoc writes them (`.pkg.Outer.Inner`). */
  readonly qualifiedDescriptor: Uint8Array;
  /** The FileDescriptorProto and FileDescriptorSet holding the message: what producers send by mistake. */
  readonly file: Uint8Array;
  readonly fileSet: Uint8Array;
  encode(value: Record<string, unknown>): Uint8Array;
}

type DescriptorJson = {
  name?: string;
  field?: { name?: string; typeName?: string }[];
  nestedType?: DescriptorJson[];
  options?: { mapEntry?: boolean };
};

/** Parses proto2 text (field names kept as written, as the official clients do) and describes `message`. */
export function protoFixture(text: string, message: string): ProtoFixture {
  const root = protobuf.parse(text, { keepCase: true }).root;
  root.resolveAll();
  const type = root.lookupType(message);
  const descriptorMessage = (type as unknown as { toDescriptor(syntax: string): protobuf.Message }).toDescriptor('proto2');
  const descriptor = descriptorExt.DescriptorProto.encode(descriptorMessage).finish();
  const json = descriptorExt.DescriptorProto.toObject(descriptorMessage) as DescriptorJson;
  qualify(json, type.fullName, type);
  const qualifiedDescriptor = descriptorExt.DescriptorProto.encode(descriptorExt.DescriptorProto.fromObject(json)).finish();
  const set = (root as unknown as { toDescriptor(syntax: string): protobuf.Message & { file: protobuf.Message[] } }).toDescriptor('proto2');
  return {
    type,
    descriptor,
    qualifiedDescriptor,
    file: descriptorExt.FileDescriptorProto.encode(set.file[0]!).finish(),
    fileSet: descriptorExt.FileDescriptorSet.encode(set).finish(),
    encode: (value) => type.encode(type.fromObject(value)).finish(),
  };
}

/** Rewrites relative type names to protoc's fully qualified form, resolving them as protobufjs did. */
function qualify(d: DescriptorJson, scope: string, type: protobuf.Type): void {
  for (const f of d.field ?? []) {
    if (!f.typeName) continue;
    const field = type.fields[f.name ?? ''];
    // A map field refers to its entry type, nested right here; other fields to what protobufjs resolved.
    f.typeName = field instanceof protobuf.MapField || !field?.resolvedType ? `${scope}.${f.typeName}` : field.resolvedType.fullName;
  }
  for (const n of d.nestedType ?? []) {
    if (n.options?.mapEntry) {
      const mapField = type.fieldsArray.find((f) => f instanceof protobuf.MapField && f.name.charAt(0).toUpperCase() + f.name.slice(1) === n.name);
      const value = n.field?.find((f) => f.name === 'value');
      if (value?.typeName && mapField?.resolvedType) value.typeName = mapField.resolvedType.fullName;
      continue;
    }
    const nested = type.nested?.[n.name ?? ''];
    if (nested instanceof protobuf.Type) qualify(n, `${scope}.${n.name}`, nested);
  }
}

/** A table with a column of every type the generator maps, and nested combinations. */
export const EVERY_TYPE_TABLE = columns([
  ['s', 'string'],
  ['b', 'boolean'],
  ['i8', 'tinyint'],
  ['i16', 'smallint'],
  ['i32', 'int'],
  ['i64', 'bigint'],
  ['f', 'float'],
  ['d', 'double'],
  ['dec', 'decimal(38,10)'],
  ['day', 'date'],
  ['ts', 'timestamp'],
  ['tsn', 'timestamp_ntz'],
  ['bin', 'binary'],
  ['ints', 'array<int>'],
  ['names', 'array<string>'],
  ['attrs', 'map<int,string>'],
  ['loc', 'struct<lat:double,lon:double>'],
  ['items', 'array<struct<x:bigint,tags:array<string>,at:struct<lat:double,lon:double>>>'],
  ['places', 'map<string,struct<lat:double,lon:double>>'],
  ['id', 'bigint', false],
]);

/** What the official generator writes for EVERY_TYPE_TABLE (plus Tributary's DECIMAL-as-string). */
export const EVERY_TYPE_PROTO = `
syntax = "proto2";
package gen;

message every_type {
  optional string s = 1;
  optional bool b = 2;
  optional int32 i8 = 3;
  optional int32 i16 = 4;
  optional int32 i32 = 5;
  optional int64 i64 = 6;
  optional float f = 7;
  optional double d = 8;
  // DECIMAL(38,10) has no protobuf type: Tributary reads it from decimal text.
  optional string dec = 9;
  optional int32 day = 10;
  optional int64 ts = 11;
  optional int64 tsn = 12;
  optional bytes bin = 13;
  repeated int32 ints = 14;
  repeated string names = 15;
  map<int32, string> attrs = 16;
  optional Loc loc = 17;
  repeated Items items = 18;
  map<string, Place> places = 19;
  required int64 id = 20;

  message Loc {
    optional double lat = 1;
    optional double lon = 2;
  }
  message Items {
    optional int64 x = 1;
    repeated string tags = 2;
    optional At at = 3;
    message At {
      optional double lat = 1;
      optional double lon = 2;
    }
  }
  // protobufjs names map entries after the field (Places), so the value message needs another name.
  message Place {
    optional double lat = 1;
    optional double lon = 2;
  }
}
`;
