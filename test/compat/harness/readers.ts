/**
 * The independent readers: delta-rs (Python `deltalake`), DuckDB over the Parquet files of the table's
 * snapshot (as `tributary query` lists them), and Spark with Delta Lake. Each runs as
 * test/compat/readers/read_tables.py in the project venv and returns canonical rows that are compared with
 * what the producers had acknowledged.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchToken, type ClientCredentials } from '../../../src/cli/uc-client.js';
import { dataKey } from '../../../src/delta/actions.js';
import { loadSnapshot } from '../../../src/delta/snapshot.js';
import { REPO_ROOT } from '../../helpers/server-process.js';
import { COMPAT_COLUMNS, type CanonicalValue } from './records.js';

export type ReaderName = 'delta-rs' | 'duckdb' | 'spark';
export const READERS: readonly ReaderName[] = ['delta-rs', 'duckdb', 'spark'];

const ENGINE: Record<ReaderName, string> = { 'delta-rs': 'deltalake', duckdb: 'duckdb', spark: 'spark' };
const SCRIPT = path.join(REPO_ROOT, 'test/compat/readers/read_tables.py');
/** Where Spark's Ivy keeps the delta-spark jars it fetches from Maven Central. */
const IVY_DIR = path.join(REPO_ROOT, '.cache/compat/ivy');

/** One table as a reader returns it, or why it could not. */
export type TableRead =
  | { readonly columns: readonly (readonly [string, string])[]; readonly rows: readonly CanonicalValue[][] }
  | { readonly error: string };

/** What the readers need of a table: its root and the Parquet files of its current snapshot. */
export interface TableFiles {
  readonly name: string;
  readonly path: string;
  readonly files: readonly string[];
}

/** The table's storage location (a `file:` URL) as the REST API reports it. */
export async function tableLocation(ucEndpoint: string, credentials: ClientCredentials, name: string): Promise<string> {
  const token = await fetchToken(ucEndpoint, credentials);
  const response = await fetch(`${ucEndpoint}/api/2.1/unity-catalog/tables/${encodeURIComponent(name)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as { storage_location?: unknown };
  if (!response.ok || typeof body.storage_location !== 'string') {
    throw new Error(`GET table ${name}: HTTP ${response.status} ${JSON.stringify(body)}`);
  }
  return body.storage_location;
}

/** The table's root directory and the data files its latest snapshot lists. */
export async function tableFiles(name: string, location: string): Promise<TableFiles> {
  const root = fileURLToPath(location);
  const snapshot = await loadSnapshot(location);
  return { name, path: root, files: snapshot.files.map((f) => path.join(root, dataKey(f.path))) };
}

/** Reads every table with one engine (one process, so Spark starts once). */
export async function readTables(
  reader: ReaderName,
  tables: readonly TableFiles[],
  python: string,
): Promise<Record<string, TableRead>> {
  const request = JSON.stringify({ tables });
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      python,
      [SCRIPT, ENGINE[reader]],
      { maxBuffer: 256 * 1024 * 1024, env: { ...process.env, COMPAT_IVY_DIR: IVY_DIR, TZ: 'UTC' } },
      (error, out, err) => (error ? reject(new Error(`${reader} reader failed: ${error.message}\n${err}`)) : resolve(out)),
    );
    child.stdin!.end(request);
  });
  return JSON.parse(stdout) as Record<string, TableRead>;
}

/**
 * The first way `read` differs from the expected rows (columns with types, then rows ordered by id, then
 * cells), or undefined when it matches exactly.
 */
export function firstDifference(expected: readonly (readonly CanonicalValue[])[], read: TableRead): string | undefined {
  if ('error' in read) return read.error;
  for (let i = 0; i < Math.max(COMPAT_COLUMNS.length, read.columns.length); i++) {
    const want = COMPAT_COLUMNS[i];
    const got = read.columns[i];
    if (want?.[0] !== got?.[0] || want?.[1] !== got?.[1]) {
      return `column ${i + 1}: expected ${want ? `${want[0]} ${want[1]}` : 'none'}, got ${got ? `${got[0]} ${got[1]}` : 'none'}`;
    }
  }
  const rows = [...read.rows].sort((a, b) => Number(BigInt(a[0] as string) - BigInt(b[0] as string)));
  const want = [...expected].sort((a, b) => Number(BigInt(a[0] as string) - BigInt(b[0] as string)));
  for (let r = 0; r < Math.max(rows.length, want.length); r++) {
    const got = rows[r];
    const exp = want[r];
    if (!got || !exp || got[0] !== exp[0]) {
      return `${rows.length} rows, expected ${want.length}; first mismatch at row ${r + 1}: expected id ${exp?.[0] ?? 'none'}, got id ${got?.[0] ?? 'none'}`;
    }
    for (let c = 0; c < COMPAT_COLUMNS.length; c++) {
      if (!sameValue(exp[c] ?? null, got[c] ?? null)) {
        return `id ${exp[0] as string}, column ${COMPAT_COLUMNS[c]![0]}: expected ${JSON.stringify(exp[c])}, got ${JSON.stringify(got[c])}`;
      }
    }
  }
  return undefined;
}

function sameValue(a: CanonicalValue, b: CanonicalValue): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]!));
  const ka = Object.keys(a);
  const objB = b as Record<string, CanonicalValue>;
  return ka.length === Object.keys(objB).length && ka.every((k) => k in objB && sameValue((a as Record<string, CanonicalValue>)[k]!, objB[k]!));
}
