/**
 * A bench table: its DDL, the Protobuf message the official generator would emit for it, and its records
 * encoded once, up front, as a producer would send them (JSON text or Protobuf bytes), so the clients'
 * measured work is only the ingest path.
 */
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { generateProto } from '../../src/cli/proto-gen/generate.js';

export type RecordFormat = 'json' | 'proto';

/** One record as sent: JSON text on JSON streams, Protobuf bytes on PROTO streams. */
export type Payload = string | Buffer;

/** A record's values by column name; numbers stay within 2^53 so both encodings take them as is. */
export type Row = Record<string, string | number | boolean>;

export interface ColumnSpec {
  readonly name: string;
  /** SQL type text, e.g. `BIGINT`. */
  readonly type: string;
}

export interface TableWorkload {
  /** `catalog.schema.table`. */
  readonly tableName: string;
  readonly columns: readonly ColumnSpec[];
  /** `CREATE TABLE` for the table. */
  readonly createSql: string;
  /** Base64 `DescriptorProto` of the generated message, for PROTO streams. */
  readonly descriptorProto: string;
  /** Encodes one row as a producer sends it. */
  encode(row: Row, format: RecordFormat): Payload;
}

/** `protobufjs/ext/descriptor` adds `toDescriptor` to `Type` at runtime; its typings do not declare it. */
type DescribableType = protobuf.Type & { toDescriptor(syntax: 'proto2'): protobuf.Message };

/** Defines a workload table with nullable columns, its message generated as `tributary generate-proto` does. */
export function defineTable(tableName: string, columns: readonly ColumnSpec[]): TableWorkload {
  const protoText = generateProto({
    name: tableName,
    columns: columns.map((c) => ({ name: c.name, type_text: c.type.toLowerCase(), nullable: true })),
  });
  const root = protobuf.parse(protoText, { keepCase: true }).root;
  const message = root.lookupType(tableName.split('.').at(-1)!) as DescribableType;
  const descriptorProto = Buffer.from(
    descriptor.DescriptorProto.encode(message.toDescriptor('proto2')).finish(),
  ).toString('base64');
  return {
    tableName,
    columns,
    createSql: `CREATE TABLE ${tableName} (${columns.map((c) => `${c.name} ${c.type}`).join(', ')})`,
    descriptorProto,
    encode: (row, format) => (format === 'json' ? JSON.stringify(row) : Buffer.from(message.encode(row).finish())),
  };
}

/** Size in bytes of an encoded record. */
export function payloadBytes(payload: Payload): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
}

/** A small deterministic generator (mulberry32), so every run sends the same records. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
/** 256 made-up words: text built from them compresses about as well as log lines or JSON blobs do. */
const WORDS = (() => {
  const random = seededRandom(0x5eed);
  return Array.from({ length: 256 }, () => {
    let word = '';
    for (let n = 3 + Math.floor(random() * 7); n > 0; n--) word += LETTERS[Math.floor(random() * LETTERS.length)];
    return word;
  });
})();

/** Exactly `length` characters of space-separated words drawn with `random`. */
export function randomText(random: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += `${WORDS[Math.floor(random() * WORDS.length)]} `;
  return out.slice(0, length);
}
