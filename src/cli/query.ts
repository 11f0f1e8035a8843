/**
 * `tributary query "SQL"`: runs SQL (DuckDB's dialect) over the current snapshots of the tables it names
 * (`catalog.schema.table`), reading the data directory's catalog for their locations.
 */
import type { Json } from '@duckdb/node-api';
import type { Command } from 'commander';
import { normalizeTableName } from '../catalog/names.js';
import { objectStoreFor } from '../delta/object-store.js';
import { queryTables, type QueryResult } from '../delta/query.js';
import { TributaryError } from '../errors.js';
import { runAdminCommand } from './admin-context.js';

const FORMATS = ['table', 'json', 'csv'] as const;
export type OutputFormat = (typeof FORMATS)[number];

export function register(program: Command): void {
  program
    .command('query')
    .description('run SQL over the current snapshots of tables, e.g. "SELECT count(*) FROM main.default.t"')
    .argument('<sql>', 'the query (DuckDB SQL; tables named catalog.schema.table)')
    .option('--data-dir <dir>', 'data directory (env TRIBUTARY_DATA_DIR, default ./tributary-data)')
    .option('--format <format>', `output: ${FORMATS.join(', ')}`, 'table')
    .action(async (sql: string, options: { dataDir?: string; format: string }) => {
      await runAdminCommand(options.dataDir, async (ctx) => {
        const format = FORMATS.find((f) => f === options.format);
        if (!format) throw new TributaryError('invalid_argument', `--format must be one of ${FORMATS.join(', ')}`);
        const result = await queryTables(sql, async (ref) => {
          let table;
          try {
            table = await ctx.store.getTable(normalizeTableName(ref));
          } catch {
            return undefined;
          }
          return table && objectStoreFor(table.storageLocation);
        });
        process.stdout.write(formatResult(result, format));
      });
    });
}

/** Renders a result as an aligned text table, a JSON array of row objects, or CSV. */
export function formatResult(result: QueryResult, format: OutputFormat): string {
  switch (format) {
    case 'json': {
      const objects = result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i] ?? null])));
      return `${JSON.stringify(objects, null, 2)}\n`;
    }
    case 'csv':
      return [result.columns, ...result.rows.map((row) => row.map(cellText))].map(csvLine).join('');
    case 'table':
      return textTable(result.columns, result.rows.map((row) => row.map(cellText)));
  }
}

function cellText(value: Json | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function csvLine(cells: readonly string[]): string {
  return `${cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')}\n`;
}

function textTable(columns: readonly string[], rows: readonly string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => `${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')}\n`;
  const rule = `${widths.map((w) => '-'.repeat(w)).join('-+-')}\n`;
  const count = `(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
  return line(columns) + rule + rows.map(line).join('') + count;
}
