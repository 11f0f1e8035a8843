/**
 * Classic single-file V1 checkpoints: the reconciled state of a version as a Parquet file with one row per
 * action and one struct column per action type (`txn`, `add`, `remove`, `metaData`, `protocol`), the
 * layout of PROTOCOL.md's checkpoint schema. Stats stay JSON strings (`delta.checkpoint.writeStatsAsJson`).
 */
import { Table, Vector, tableToIPC } from 'apache-arrow';
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
  return writeParquet(tableToIPC(new Table(batch.schema, [batch]), 'stream'));
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
  const columns = ACTION_COLUMNS.flatMap((name) => {
    const vector = table.getChild(name);
    return vector ? [{ name, vector }] : [];
  });
  const actions: Action[] = [];
  for (let i = 0; i < table.numRows; i++) {
    for (const { name, vector } of columns) {
      const value: unknown = vector.get(i);
      if (value === null || value === undefined) continue;
      const plain = toPlain(value) as Record<string, unknown>;
      actions.push({ [name]: name === 'metaData' ? { name: null, description: null, ...plain } : plain } as Action);
    }
  }
  return actions;
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
