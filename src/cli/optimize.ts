/**
 * `tributary optimize <table>`: compacts the table's small data files now (the server also does it in the
 * background once a table has `compactMinFiles` small files).
 */
import type { Command } from 'commander';
import { parseTableName } from '../catalog/names.js';
import { compactTable } from '../delta/compaction.js';
import { DeltaLog } from '../delta/delta-log.js';
import { objectStoreFor } from '../delta/object-store.js';
import { TributaryError } from '../errors.js';
import { runAdminCommand } from './admin-context.js';

export function register(program: Command): void {
  program
    .command('optimize')
    .description('compact the small data files of a table (catalog.schema.table)')
    .argument('<table>', 'the table, catalog.schema.table')
    .option('--data-dir <dir>', 'data directory (env TRIBUTARY_DATA_DIR, default ./tributary-data)')
    .option('--min-files <n>', 'compact only when at least this many small files exist', '2')
    .action(async (name: string, options: { dataDir?: string; minFiles: string }) => {
      await runAdminCommand(options.dataDir, async (ctx) => {
        const minFiles = Number(options.minFiles);
        if (!Number.isInteger(minFiles) || minFiles < 2) {
          throw new TributaryError('invalid_argument', '--min-files must be an integer of at least 2');
        }
        const table = await ctx.store.getTable(parseTableName(name));
        if (!table) throw new TributaryError('not_found', `table ${name} does not exist`);
        const log = await DeltaLog.open(objectStoreFor(table.storageLocation));
        let rounds = 0;
        for (;;) {
          const result = await compactTable(log, undefined, { minFiles });
          if (!result) break;
          rounds++;
          process.stdout.write(
            `version ${result.version}: ${result.filesRemoved} files (${result.bytesRemoved} bytes) ` +
              `compacted into ${result.fileAdded} (${result.bytesAdded} bytes)\n`,
          );
        }
        await log.idle();
        if (rounds === 0) process.stdout.write(`${table.fullName}: nothing to compact\n`);
      });
    });
}
