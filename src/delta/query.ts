/**
 * SQL over the current snapshots of Delta tables, with DuckDB reading the snapshots' Parquet files.
 *
 * DuckDB reserves the catalog name `main`, so `main.default.t` cannot be a DuckDB table: every three-part
 * name in the SQL is rewritten to a view named after it (`"main.default.t"`) over `read_parquet` of the
 * table's live files. String literals, quoted identifiers and comments are left alone.
 */
import { DuckDBInstance, type Json } from '@duckdb/node-api';
import type { DataType, StructField } from '../catalog/types.js';
import { TributaryError } from '../errors.js';
import { dataKey } from './actions.js';
import type { ObjectStore } from './object-store.js';
import { loadSnapshot } from './snapshot.js';
import { schemaFields } from './table-state.js';

/** A three-part table reference as written in the SQL, lower-cased (identifiers are case-insensitive). */
export interface TableRef {
  readonly catalog: string;
  readonly schema: string;
  readonly table: string;
}

type Token = { readonly kind: 'ident'; readonly text: string; readonly value: string } | { readonly kind: 'other'; readonly text: string };

/** Splits SQL into identifiers and everything else (keeping literals and comments intact). */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: 'other', end: number) => {
    tokens.push({ kind, text: sql.slice(i, end) });
    i = end;
  };
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'") push('other', closing(sql, i, "'"));
    else if (ch === '-' && sql[i + 1] === '-') push('other', lineEnd(sql, i));
    else if (ch === '/' && sql[i + 1] === '*') push('other', blockEnd(sql, i));
    else if (ch === '`' || ch === '"') {
      const end = closing(sql, i, ch);
      const text = sql.slice(i, end);
      tokens.push({ kind: 'ident', text, value: text.slice(1, -1).split(ch + ch).join(ch) });
      i = end;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i))!;
      tokens.push({ kind: 'ident', text: m[0], value: m[0] });
      i += m[0].length;
    } else push('other', i + 1);
  }
  return tokens;
}

function closing(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

function lineEnd(sql: string, start: number): number {
  const end = sql.indexOf('\n', start);
  return end < 0 ? sql.length : end;
}

function blockEnd(sql: string, start: number): number {
  const end = sql.indexOf('*/', start + 2);
  return end < 0 ? sql.length : end + 2;
}

/** The view name a table reference becomes. */
export function viewName(ref: TableRef): string {
  return `"${`${ref.catalog}.${ref.schema}.${ref.table}`.replace(/"/g, '""')}"`;
}

/**
 * Finds `a.b.c` references and rewrites those `isTable` accepts to view names; the others (e.g. a struct
 * field of an aliased column, `t.col.field`) stay as written. Longer dotted chains are never tables.
 */
export function rewriteTableRefs(
  sql: string,
  isTable: (ref: TableRef) => boolean = () => true,
): { sql: string; refs: TableRef[] } {
  const tokens = tokenize(sql);
  const refs = new Map<string, TableRef>();
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const chain = tokens.slice(i, i + 5);
    const isChain =
      chain.length === 5 &&
      chain[0]!.kind === 'ident' &&
      chain[1]!.text === '.' &&
      chain[2]!.kind === 'ident' &&
      chain[3]!.text === '.' &&
      chain[4]!.kind === 'ident' &&
      tokens[i - 1]?.text !== '.' &&
      tokens[i + 5]?.text !== '.';
    if (!isChain) {
      out += tokens[i]!.text;
      continue;
    }
    const [catalog, schema, table] = [chain[0]!, chain[2]!, chain[4]!].map((t) =>
      t.kind === 'ident' ? t.value.toLowerCase() : '',
    ) as [string, string, string];
    const ref = { catalog, schema, table };
    if (!isTable(ref)) {
      out += tokens[i]!.text;
      continue;
    }
    refs.set(viewName(ref), ref);
    out += viewName(ref);
    i += 4;
  }
  return { sql: out, refs: [...refs.values()] };
}

/** DuckDB's spelling of a column type, for the typed empty view of a table without files. */
export function duckdbType(type: DataType): string {
  switch (type.kind) {
    case 'string':
    case 'variant':
      return 'VARCHAR';
    case 'boolean':
      return 'BOOLEAN';
    case 'byte':
      return 'TINYINT';
    case 'short':
      return 'SMALLINT';
    case 'int':
      return 'INTEGER';
    case 'long':
      return 'BIGINT';
    case 'float':
      return 'FLOAT';
    case 'double':
      return 'DOUBLE';
    case 'decimal':
      return `DECIMAL(${type.precision},${type.scale})`;
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMPTZ';
    case 'timestamp_ntz':
      return 'TIMESTAMP';
    case 'binary':
      return 'BLOB';
    case 'array':
      return `${duckdbType(type.element)}[]`;
    case 'map':
      return `MAP(${duckdbType(type.key)}, ${duckdbType(type.value)})`;
    case 'struct':
      return `STRUCT(${type.fields.map((f) => `${quoteIdent(f.name)} ${duckdbType(f.type)}`).join(', ')})`;
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function viewSql(ref: TableRef, fields: readonly StructField[], files: readonly string[]): string {
  if (files.length === 0) {
    const columns = fields.map((f) => `CAST(NULL AS ${duckdbType(f.type)}) AS ${quoteIdent(f.name)}`).join(', ');
    return `CREATE TEMP VIEW ${viewName(ref)} AS SELECT ${columns} WHERE false`;
  }
  const list = files.map(quoteLiteral).join(', ');
  return `CREATE TEMP VIEW ${viewName(ref)} AS SELECT * FROM read_parquet([${list}], hive_partitioning = false)`;
}

export interface QueryResult {
  readonly columns: string[];
  /** Values as JSON (big integers and decimals as strings). */
  readonly rows: Json[][];
}

/**
 * Runs `sql` over the current snapshots of the tables it names. `resolve` maps a reference to its table's
 * store, or undefined when there is no such table (DuckDB then reports the unknown name).
 */
export async function queryTables(
  sql: string,
  resolve: (ref: TableRef) => Promise<ObjectStore | undefined>,
): Promise<QueryResult> {
  const stores = new Map<string, ObjectStore>();
  const unknown: string[] = [];
  for (const ref of rewriteTableRefs(sql).refs) {
    const store = await resolve(ref);
    if (store) stores.set(viewName(ref), store);
    else unknown.push(`${ref.catalog}.${ref.schema}.${ref.table}`);
  }
  const { sql: rewritten, refs } = rewriteTableRefs(sql, (ref) => stores.has(viewName(ref)));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    for (const ref of refs) {
      const store = stores.get(viewName(ref))!;
      const snapshot = await loadSnapshot(store);
      const files = snapshot.files.map((f) => store.readableLocation(dataKey(f.path)));
      await connection.run(viewSql(ref, schemaFields(snapshot.metadata), files));
    }
    let reader;
    try {
      reader = await connection.runAndReadAll(rewritten);
    } catch (error) {
      // DuckDB reads an unknown `a.b.c` as a missing catalog `a`; name the table the user meant instead.
      if (unknown.length > 0 && /Catalog .* does not exist/.test((error as Error).message)) {
        throw new TributaryError('not_found', `no such table: ${unknown.join(', ')}`, {}, 'TABLE_DOES_NOT_EXIST');
      }
      throw error;
    }
    return { columns: reader.columnNames(), rows: reader.getRowsJson() };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
