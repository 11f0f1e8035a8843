/**
 * `tributary vacuum <table>`: deletes data files no longer referenced (after the deleted-file retention)
 * and expired log files (after `delta.logRetentionDuration`).
 */
import type { Command } from 'commander';
import { parseTableName } from '../catalog/names.js';
import { cleanupLog } from '../delta/log-cleanup.js';
import { objectStoreFor } from '../delta/object-store.js';
import { loadSnapshot } from '../delta/snapshot.js';
import { retentionOf } from '../delta/table-properties.js';
import { vacuumTable } from '../delta/vacuum.js';
import { TributaryError } from '../errors.js';
import { runAdminCommand } from './admin-context.js';

const HOUR_MS = 3_600_000;

interface VacuumFlags {
  dataDir?: string;
  retainHours?: string;
  force?: boolean;
  dryRun?: boolean;
}

export function register(program: Command): void {
  program
    .command('vacuum')
    .description('delete unreferenced data files and expired log files of a table (catalog.schema.table)')
    .argument('<table>', 'the table, catalog.schema.table')
    .option('--data-dir <dir>', 'data directory (env TRIBUTARY_DATA_DIR, default ./tributary-data)')
    .option('--retain-hours <n>', 'keep unreferenced files younger than this (default: the table\'s retention, 7 days)')
    .option('--force', 'allow --retain-hours below the table\'s retention (readers of older versions may fail)')
    .option('--dry-run', 'list the files that would be deleted')
    .action(async (name: string, options: VacuumFlags) => {
      await runAdminCommand(options.dataDir, async (ctx) => {
        const table = await ctx.store.getTable(parseTableName(name));
        if (!table) throw new TributaryError('not_found', `table ${name} does not exist`);
        const store = objectStoreFor(table.storageLocation);
        const retention = retentionOf((await loadSnapshot(store)).metadata.configuration);
        let retentionMs: number | undefined;
        if (options.retainHours !== undefined) {
          const hours = Number(options.retainHours);
          if (!(hours >= 0)) throw new TributaryError('invalid_argument', '--retain-hours must be a number of hours');
          retentionMs = hours * HOUR_MS;
          if (retentionMs < retention.deletedFileRetentionMs && !options.force) {
            throw new TributaryError(
              'invalid_argument',
              `--retain-hours ${hours} is below the table's retention of ${retention.deletedFileRetentionMs / HOUR_MS} hours; add --force`,
            );
          }
        }
        const dryRun = options.dryRun === true;
        const result = await vacuumTable(store, { ...(retentionMs === undefined ? {} : { retentionMs }), dryRun });
        for (const key of result.deleted) process.stdout.write(`${dryRun ? 'would delete' : 'deleted'} ${key}\n`);
        const logFiles = dryRun ? 0 : await cleanupLog(store, { retentionMs: retention.logRetentionMs, now: Date.now() });
        process.stdout.write(`${table.fullName}: ${result.deleted.length} data files, ${logFiles} log files removed\n`);
      });
    });
}
