/**
 * A table holding every column type, nested types and nulls, with rows to write into it and the form in
 * which an independent reader (delta-rs via Python, see `readWithDeltaRs`) reports them.
 */
import { formatUnscaled } from '../../../src/delta/stats.js';
import { parseDecimal } from '../../../src/delta/arrow-rows.js';

export const ALL_TYPES: Record<string, string> = {
  id: 'bigint!',
  s: 'string',
  b: 'boolean',
  i8: 'tinyint',
  i16: 'smallint',
  i32: 'int',
  i64: 'bigint',
  f: 'float',
  d: 'double',
  dec: 'decimal(10,2)',
  wide: 'decimal(38,6)',
  dt: 'date',
  ts: 'timestamp',
  ntz: 'timestamp_ntz',
  bin: 'binary',
  arr: 'array<string>',
  nested: 'array<struct<x:int,y:array<bigint>>>',
  m: 'map<string,double>',
  st: 'struct<a:int,b:struct<c:string,t:timestamp>>',
};

type Row = Record<string, unknown>;

/** Deterministic rows `from`..`from+count-1`, each column null at its own rhythm. */
export function allTypesRows(from: number, count: number): Row[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const sign = i % 2 === 0 ? 1n : -1n;
    return {
      id: BigInt(i),
      s: i % 7 === 0 ? null : `row-${i}-é😀`,
      b: i % 5 === 0 ? null : i % 2 === 0,
      i8: i % 6 === 0 ? null : (i % 256) - 128,
      i16: i % 8 === 0 ? null : ((i * 37) % 65536) - 32768,
      i32: i % 9 === 0 ? null : i * 1000 * (i % 2 === 0 ? 1 : -1),
      i64: i % 10 === 0 ? null : BigInt(i) * 1_000_000_007_000n * sign,
      f: i % 11 === 0 ? null : i / 3,
      d: i % 12 === 0 ? null : i * 1.5 - 100,
      dec: i % 13 === 0 ? null : `${i % 2 === 0 ? '' : '-'}${i}.${String(i % 100).padStart(2, '0')}`,
      wide: i % 14 === 0 ? null : `12345678901234567890123456789${i % 10}.${String(i).padStart(6, '0')}`,
      dt: i % 15 === 0 ? null : 19000 + i - 150,
      ts: i % 16 === 0 ? null : 1_700_000_000_000_000n + BigInt(i) * 1_234_567n,
      ntz: i % 17 === 0 ? null : -86_400_000_000n + BigInt(i) * 999n,
      bin: i % 18 === 0 ? null : new Uint8Array([i & 255, (i >> 8) & 255, 0]),
      arr: i % 4 === 0 ? null : [`a${i}`, null, 'b'],
      nested: i % 19 === 0 ? null : [{ x: i, y: [BigInt(i), null] }, null, { x: null, y: [] }],
      m: i % 3 === 0 ? null : [['k1', i * 0.5], ['k2', null]],
      st: i % 9 === 0 ? null : { a: i % 3 === 0 ? null : i, b: i % 5 === 0 ? null : { c: `c${i}`, t: 5n + BigInt(i) } },
    };
  });
}

/** What the Python normalizer (`NORMALIZE_PY`) prints for a row: integers as strings, temporal and decimal tagged. */
export function expectedFromReader(row: Row): unknown {
  const scales: Record<string, number> = { dec: 2, wide: 6 };
  const norm = (key: string, v: unknown): unknown => {
    if (v === null || v === undefined) return null;
    switch (key) {
      case 'dt':
        return { days: v };
      case 'ts':
      case 'ntz':
      case 't':
        return { us: String(v) };
      case 'dec':
      case 'wide':
        return { dec: formatUnscaled(parseDecimal(String(v), scales[key]!), scales[key]!) };
      case 'bin':
        return { hex: Buffer.from(v as Uint8Array).toString('hex') };
      case 'f':
        return Math.fround(v as number);
      case 'm':
        return (v as [string, unknown][]).map(([k, x]) => [k, x]);
    }
    if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v) && key !== 'd')) return String(v);
    if (Array.isArray(v)) return v.map((x) => norm(`${key}[]`, x));
    if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(k, x)]));
    return v;
  };
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, norm(k, v)]));
}

/** Python: reads a Delta table with delta-rs and prints its version, schema, normalized rows and history. */
export const READ_DELTA_PY = `
import datetime, decimal, json, os, sys
from deltalake import DeltaTable

UTC_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
EPOCH = datetime.datetime(1970, 1, 1)

def micros(delta):
    return delta.days * 86400000000 + delta.seconds * 1000000 + delta.microseconds

def norm(v):
    if v is None or isinstance(v, (bool, float, str)):
        return v
    if isinstance(v, datetime.datetime):
        return {'us': str(micros(v - (UTC_EPOCH if v.tzinfo else EPOCH)))}
    if isinstance(v, datetime.date):
        return {'days': (v - datetime.date(1970, 1, 1)).days}
    if isinstance(v, decimal.Decimal):
        return {'dec': str(v)}
    if isinstance(v, bytes):
        return {'hex': v.hex()}
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    return [norm(x) for x in v]

table = DeltaTable(sys.argv[1])
data = table.to_pyarrow_table()
print(json.dumps({
    'version': table.version(),
    'schema': {f.name: str(f.type) for f in data.schema},
    'rows': sorted((norm(r) for r in data.to_pylist()), key=lambda r: int(r['id'])),
    'files': len(table.file_uris()),
    'history': [h['operation'] for h in table.history()],
}))
# delta-rs can abort in its runtime teardown at interpreter exit ("terminate called without an active
# exception"), after the answer is complete: leave without the teardown.
sys.stdout.flush()
os._exit(0)
`;

export interface DeltaRsView {
  version: number;
  schema: Record<string, string>;
  rows: unknown[];
  files: number;
  history: string[];
}
