/**
 * The compatibility table and its records. One table shape covers the types producers get wrong (TIMESTAMP
 * in microseconds, DATE in days, DECIMAL as text, BIGINT beyond 2^53, nested struct/array/map, nulls).
 * Each record exists in the three forms the suite needs: the JSON text a JSON stream sends, the Protobuf
 * bytes a Protobuf stream sends (encoded from the `.proto` that `tributary generate-proto` wrote), and the
 * canonical row every reader must return (see test/compat/readers/read_tables.py for the canonical form).
 */
import protobuf from 'protobufjs';

/** Column name and type, in the spelling Spark's `simpleString` and Tributary's `type_text` share. */
export const COMPAT_COLUMNS: readonly (readonly [name: string, type: string])[] = [
  ['id', 'bigint'],
  ['name', 'string'],
  ['flag', 'boolean'],
  ['small', 'smallint'],
  ['qty', 'int'],
  ['score', 'double'],
  ['ratio', 'float'],
  ['price', 'decimal(12,2)'],
  ['day', 'date'],
  ['at', 'timestamp'],
  ['local_at', 'timestamp_ntz'],
  ['payload', 'binary'],
  ['tags', 'array<string>'],
  ['attrs', 'map<string,bigint>'],
  ['location', 'struct<lat:double,lon:double,label:string>'],
];

/** `CREATE TABLE` for a compatibility table. */
export function compatTableDdl(table: string): string {
  const columns = COMPAT_COLUMNS.map(([name, type]) => `${name} ${type}${name === 'id' ? ' NOT NULL' : ''}`);
  return `CREATE TABLE ${table} (${columns.join(', ')})`;
}

/** A value as the readers print it: see read_tables.py. */
export type CanonicalValue = null | boolean | number | string | CanonicalValue[] | { [key: string]: CanonicalValue };

/** One record in every form the suite uses. */
export interface CompatRecord {
  readonly id: bigint;
  /** What a JSON stream sends. */
  readonly json: string;
  /** The message as plain values, for a Protobuf encoder (absent fields are null). */
  readonly message: Readonly<Record<string, unknown>>;
  /** The row every reader must return, in {@link COMPAT_COLUMNS} order. */
  readonly row: readonly CanonicalValue[];
}

const BASE_MICROS = 1_700_000_000_123_456n;
const BASE_DAY = 19_000;
const BIG = 2n ** 60n;

/** Records with ids `first .. first+count-1`; every value is a function of the id. */
export function compatRecords(first: number, count: number): CompatRecord[] {
  return Array.from({ length: count }, (_, i) => compatRecord(first + i));
}

function compatRecord(n: number): CompatRecord {
  const id = BigInt(n);
  // Every 7th record leaves its nullable scalars null; in JSON alternately as absent keys and explicit nulls.
  const sparse = n % 7 === 3;
  const cents = ((n * 37) % 100).toString().padStart(2, '0');
  const at = BASE_MICROS + id * 1_000_001n;
  const localAt = BASE_MICROS - id * 999_999n;
  const day = BASE_DAY + n;
  const payload = Buffer.from([n & 0xff, 0, 0xff, (n * 7) & 0xff]);
  const location = n % 5 === 0 ? null : { lat: n / 4, lon: -n / 8, label: n % 3 === 0 ? null : `place-${n}` };
  const scalars = {
    name: `row ${n} ünïcødé ✓`,
    flag: n % 2 === 0,
    small: (n % 200) - 100,
    qty: n % 2 === 0 ? n * 1000 : -n,
    score: n * 1.5 + 0.1,
    ratio: Math.fround(n / 8),
    price: `${n % 4 === 1 ? '-' : ''}${n}.${cents}`,
    day,
    at,
    local_at: localAt,
    payload,
  };
  const tags = [`t${n}`, 'compat'];
  // `a` is past 2^53, so JSON carries it as a decimal string; `b` fits a JSON number.
  const attrs = { a: (BIG + id).toString(), b: (-id).toString() };

  const jsonValues: Record<string, unknown> = { id: Number(id), tags, attrs: { a: attrs.a, b: -n } };
  const message: Record<string, unknown> = { id: id.toString(), tags, attrs };
  for (const [key, value] of Object.entries(scalars)) {
    if (sparse) {
      if (n % 2 === 0) jsonValues[key] = null;
      continue;
    }
    jsonValues[key] = jsonValue(value);
    message[key] = typeof value === 'bigint' ? value.toString() : value;
  }
  jsonValues.location = location;
  if (location) message.location = Object.fromEntries(Object.entries(location).filter(([, v]) => v !== null));

  const scalar = <K extends keyof typeof scalars>(key: K, f: (v: (typeof scalars)[K]) => CanonicalValue): CanonicalValue =>
    sparse ? null : f(scalars[key]);
  const row: CanonicalValue[] = [
    id.toString(),
    scalar('name', (v) => v),
    scalar('flag', (v) => v),
    scalar('small', (v) => v.toString()),
    scalar('qty', (v) => v.toString()),
    scalar('score', (v) => v),
    scalar('ratio', (v) => v),
    scalar('price', (v) => v),
    scalar('day', (v) => isoDate(v)),
    scalar('at', (v) => v.toString()),
    scalar('local_at', (v) => v.toString()),
    scalar('payload', (v) => v.toString('base64')),
    tags,
    [
      ['a', attrs.a],
      ['b', attrs.b],
    ],
    location,
  ];
  return { id, json: JSON.stringify(jsonValues), message, row };
}

/** The JSON form types.md asks for: BINARY as base64, BIGINT as a number while exact. */
function jsonValue(value: string | number | boolean | bigint | Buffer): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}

function isoDate(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

/** Encodes records with the message type of a `.proto` file's text. */
export function protoEncoder(protoText: string, messageName: string): (record: CompatRecord) => Buffer {
  const type = protobuf.parse(protoText, { keepCase: true }).root.lookupType(messageName);
  return (record) => Buffer.from(type.encode(type.fromObject(record.message)).finish());
}

/** The records file every scenario program reads: `<proto bytes as base64>\t<JSON text>` per line. */
export function recordsFile(records: readonly CompatRecord[], encode: (record: CompatRecord) => Buffer): string {
  return records.map((r) => `${encode(r).toString('base64')}\t${r.json}\n`).join('');
}
