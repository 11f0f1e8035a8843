/**
 * Classic single-file V1 checkpoints: the reconciled state of a version as a Parquet file with one row per
 * action and one struct column per action type (`txn`, `add`, `remove`, `metaData`, `protocol`), the
 * layout of PROTOCOL.md's checkpoint schema. Stats stay JSON strings (`delta.checkpoint.writeStatsAsJson`).
 */
import { Map_, Table, Vector, tableToIPC } from 'apache-arrow';
import type { DataType, StructField } from '../catalog/types.js';
import type { Action } from './actions.js';
import { batchFromRows } from './arrow-rows.js';
import { readParquetBatches, writeParquet } from './parquet-file.js';

const STRING: DataType = { kind: 'string' };
const LONG: DataType = { kind: 'long' };
const INT: DataType = { kind: 'int' };
const BOOLEAN: DataType = { kind: 'boolean' };
const STRING_MAP: DataType = { kind: 'map', key: STRING, value: STRING, valueContainsNull: true };
const STRING_ARRAY: DataType = { kind: 'array', element: STRING, containsNull: true };

function struct(fields: [string, DataType][]): DataType {
  return { kind: 'struct', fields: fields.map(([name, type]) => ({ name, type, nullable: true })) };
}

/** The checkpoint's columns. */
export const CHECKPOINT_FIELDS: readonly StructField[] = [
  {
    name: 'txn',
    type: struct([
      ['appId', STRING],
      ['version', LONG],
      ['lastUpdated', LONG],
    ]),
  },
  {
    name: 'add',
    type: struct([
      ['path', STRING],
      ['partitionValues', STRING_MAP],
      ['size', LONG],
      ['modificationTime', LONG],
      ['dataChange', BOOLEAN],
      ['stats', STRING],
      ['tags', STRING_MAP],
    ]),
  },
  {
    name: 'remove',
    type: struct([
      ['path', STRING],
      ['deletionTimestamp', LONG],
      ['dataChange', BOOLEAN],
      ['extendedFileMetadata', BOOLEAN],
      ['partitionValues', STRING_MAP],
      ['size', LONG],
    ]),
  },
  {
    name: 'metaData',
    type: struct([
      ['id', STRING],
      ['name', STRING],
      ['description', STRING],
      [
        'format',
        struct([
          ['provider', STRING],
          ['options', STRING_MAP],
        ]),
      ],
      ['schemaString', STRING],
      ['partitionColumns', STRING_ARRAY],
      ['configuration', STRING_MAP],
      ['createdTime', LONG],
    ]),
  },
  {
    name: 'protocol',
    type: struct([
      ['minReaderVersion', INT],
      ['minWriterVersion', INT],
      ['readerFeatures', STRING_ARRAY],
      ['writerFeatures', STRING_ARRAY],
    ]),
  },
].map((f) => ({ ...f, nullable: true }));

const ACTION_COLUMNS = CHECKPOINT_FIELDS.map((f) => f.name);

/** Field names whose values are maps (objects in JSON, [key, value] pairs for the Arrow builder). */
const MAP_FIELDS = new Set(['partitionValues', 'tags', 'options', 'configuration']);

/** Encodes checkpoint rows as Parquet. */
export function encodeCheckpoint(actions: readonly Action[]): Uint8Array {
  const rows = actions.map((action) => {
    const [name, value] = Object.entries(action)[0]!;
    return { [name]: toBuilderValue(value) };
  });
  const batch = batchFromRows(CHECKPOINT_FIELDS, rows);
  return writeParquet(tableToIPC(new Table(batch.schema, [batch]), 'stream'), 'zstd', true);
}

function toBuilderValue(value: unknown, key?: string): unknown {
  if (value === null || value === undefined) return null;
  if (key !== undefined && MAP_FIELDS.has(key)) return Object.entries(value as Record<string, unknown>);
  if (Array.isArray(value)) return value;
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toBuilderValue(v, k)]));
  }
  return value;
}

/** Decodes a checkpoint Parquet file (ours or another writer's V1 checkpoint) into its actions. */
export function decodeCheckpoint(bytes: Uint8Array): Action[] {
  const table = new Table(readParquetBatches(bytes));
  // Column-wise access: reading each row through struct-row proxies is several times slower.
  const columns = ACTION_COLUMNS.flatMap((name) => {
    const vector = table.getChild(name);
    if (!vector) return [];
    const members = vector.type.children.map((f: { name: string }, k: number) => {
      const child = vector.getChildAt(k)!;
      // Partition values, tags and options are nearly always empty maps; reading each through a map-row
      // proxy dominates decoding, so an all-empty map column is answered without it.
      const allEmpty = child.type instanceof Map_ && child.data.every((d) => (d.children[0]?.length ?? 0) === 0);
      return { name: f.name, vector: child, allEmpty, isValid: validity(child) };
    });
    return [{ name, isValid: validity(vector), members }];
  });
  const actions: Action[] = [];
  for (let i = 0; i < table.numRows; i++) {
    for (const { name, isValid, members } of columns) {
      if (!isValid(i)) continue;
      const action: Record<string, unknown> = name === 'metaData' ? { name: null, description: null } : {};
      for (const member of members) {
        const value: unknown = member.allEmpty ? (member.isValid(i) ? {} : null) : member.vector.get(i);
        if (value !== null && value !== undefined) action[member.name] = toPlain(value);
      }
      actions.push({ [name]: action } as Action);
    }
  }
  return actions;
}

/** A validity test for a vector's rows that reads the bitmap directly when the vector is one chunk. */
function validity(vector: Vector): (i: number) => boolean {
  const [data, ...rest] = vector.data;
  if (!data || rest.length > 0) return (i) => vector.isValid(i);
  if (data.nullCount === 0) return () => true;
  const { nullBitmap, offset } = data;
  return (i) => (nullBitmap[(offset + i) >> 3]! & (1 << ((offset + i) & 7))) !== 0;
}

/** Arrow values to JSON-shaped values: structs and maps to objects, lists to arrays, int64 to numbers; nulls dropped. */
function toPlain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Vector) return [...value].map(toPlain);
  // Struct and map rows are proxies that answer `in` only for their fields, so probe toJSON directly.
  const toJSON = (value as { toJSON?: unknown } | null)?.toJSON;
  if (typeof toJSON === 'function' && !(value instanceof Uint8Array)) {
    const json = toJSON.call(value) as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(json)) {
      if (v !== null && v !== undefined) out[k] = toPlain(v);
    }
    return out;
  }
  return value;
}
