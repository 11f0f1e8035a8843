/**
 * A separate writer process for the Delta integration tests: materializes its own WAL into a shared table.
 *
 *   node --import tsx materializer-process.ts <table-dir> <wal-dir> <first-id> <batches> <rows> <start-at-ms> [crash]
 *
 * Waits until `start-at-ms` (so that several processes race), then per batch appends rows `first-id`.. to
 * the WAL, offers them and flushes (one commit per batch). With `crash` set to `before-commit` or
 * `after-commit`, the process kills itself with SIGKILL at that point of its last batch's commit.
 * Prints the materializer's metrics as JSON when it finishes normally.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ipcFromRows } from '../../../src/delta/arrow-rows.js';
import { parseLogKey } from '../../../src/delta/actions.js';
import { Materializer } from '../../../src/delta/materializer.js';
import { LocalObjectStore } from '../../../src/delta/object-store.js';
import { ParquetWorkerPool } from '../../../src/delta/parquet-pool.js';
import { TableWal } from '../../../src/wal/table-wal.js';
import { ALL_TYPES, allTypesRows } from './all-types.js';
import { tableInfo } from './fixtures.js';

const [tableDir, walDir, firstArg, batchesArg, rowsArg, startAtArg, crash] = process.argv.slice(2);
const first = Number(firstArg);
const batches = Number(batchesArg);
const rowsPerBatch = Number(rowsArg);

/** Counts commits (version > 0) and dies around the one of the last batch, as `crash` says. */
class CrashingStore extends LocalObjectStore {
  private commits = 0;
  override async putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    const file = parseLogKey(key);
    const last = file.kind === 'commit' && ++this.commits === batches;
    if (last && crash === 'before-commit') process.kill(process.pid, 'SIGKILL');
    const created = await super.putIfAbsent(key, bytes);
    if (last && created && crash === 'after-commit') process.kill(process.pid, 'SIGKILL');
    return created;
  }
}

const table = tableInfo(ALL_TYPES, { storageLocation: pathToFileURL(path.resolve(tableDir!)).href });
const wal = await TableWal.open(walDir!, { groupCommitMs: 0, groupCommitBytes: 1 << 20, segmentBytes: 1 << 16, fsync: false });
const pool = new ParquetWorkerPool({ size: 1 });
const materializer = new Materializer({
  table,
  wal,
  pool,
  store: new CrashingStore(path.resolve(tableDir!)),
  settings: { flushIntervalMs: 3_600_000, flushBytes: 1 << 30, checkpointInterval: 10, compactMinFiles: 1000 },
});
await materializer.start();
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAtArg) - Date.now())));
for (let b = 0; b < batches; b++) {
  const ipc = ipcFromRows(table.columns, allTypesRows(first + b * rowsPerBatch, rowsPerBatch));
  const seq = await wal.append(ipc, rowsPerBatch);
  materializer.offer(seq, ipc, rowsPerBatch, ipc.byteLength);
  await materializer.flush();
}
await materializer.close();
await pool.close();
await wal.close();
process.stdout.write(JSON.stringify(materializer.metrics) + '\n');
