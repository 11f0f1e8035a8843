/**
 * `tributary sql`: runs the SQL subset (CREATE/DROP/GRANT/REVOKE/SHOW/DESCRIBE) as the local admin against the
 * data directory's catalog, printing each result as it completes.
 */
import fs from 'node:fs/promises';
import type { Command } from 'commander';
import { runSql, type SqlResult } from '../catalog/sql/executor.js';
import { DeltaTableStorage } from '../delta/table-storage.js';
import { runAdminCommand } from './admin-context.js';
import { formatTextTable } from './text-table.js';

interface SqlOptions {
  file?: string;
  dataDir?: string;
}

async function readSql(statements: string | undefined, file: string | undefined): Promise<string> {
  if (statements !== undefined && file !== undefined) {
    throw new Error('give the SQL as an argument or with -f, not both');
  }
  if (file === undefined) {
    if (statements === undefined) throw new Error('no SQL given: pass it as an argument or with -f FILE (- for stdin)');
    return statements;
  }
  return file === '-' ? await readStdin() : await fs.readFile(file, 'utf8');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function formatResultTable(result: SqlResult): string {
  const count = result.rows.length;
  return `${formatTextTable(result.columns, result.rows)}(${count} ${count === 1 ? 'row' : 'rows'})\n`;
}

export function register(program: Command): void {
  program
    .command('sql')
    .description('run SQL against the catalog as the local admin: CREATE, DROP, GRANT, REVOKE, SHOW, DESCRIBE')
    .argument('[statements]', 'SQL text; several statements separated by ;')
    .option('-f, --file <path>', 'read the SQL from a file (- for standard input)')
    .option('--data-dir <dir>', 'data directory (default: $TRIBUTARY_DATA_DIR, else ./tributary-data)')
    .action(async (statements: string | undefined, options: SqlOptions) => {
      let text: string;
      try {
        text = await readSql(statements, options.file);
      } catch (error) {
        process.stderr.write(`error: ${(error as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      // Tables created here get their Delta version 0 at once, exactly as when created through the server.
      const storage = new DeltaTableStorage();
      await runAdminCommand(
        options.dataDir,
        async (ctx) => {
          let first = true;
          for await (const result of runSql(text, { ...ctx, principal: ctx.admin })) {
            if (!first && result.message === undefined) process.stdout.write('\n');
            first = false;
            process.stdout.write(result.message !== undefined ? `${result.message}\n` : formatResultTable(result));
          }
        },
        { storage },
      );
    });
}
