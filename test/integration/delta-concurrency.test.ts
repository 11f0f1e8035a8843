/**
 * The commit path under concurrency and crashes, with real processes: two writer processes committing to
 * one table at the same time never lose a commit; a writer killed between its Parquet write and its commit,
 * or between its commit and its WAL truncation, loses nothing and duplicates nothing once restarted.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { commitKey, decodeCommit } from '../../src/delta/actions.js';
import { Materializer } from '../../src/delta/materializer.js';
import { ParquetWorkerPool } from '../../src/delta/parquet-pool.js';
import { loadSnapshot } from '../../src/delta/snapshot.js';
import { DeltaTableStorage } from '../../src/delta/table-storage.js';
import { vacuumTable } from '../../src/delta/vacuum.js';
import { LocalObjectStore } from '../../src/delta/object-store.js';
import { TableWal } from '../../src/wal/table-wal.js';
import { runPythonJson } from '../helpers/python.js';
import { ALL_TYPES, READ_DELTA_PY, allTypesRows, expectedFromReader, type DeltaRsView } from '../unit/delta/all-types.js';
import { tableInfo } from '../unit/delta/fixtures.js';

const run = promisify(execFile);
const WRITER = fileURLToPath(new URL('../unit/delta/materializer-process.ts', import.meta.url));
const WAL_SETTINGS = { groupCommitMs: 0, groupCommitBytes: 1 << 20, segmentBytes: 1 << 16, fsync: false };

let root: string;
let pool: ParquetWorkerPool;
before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-concurrency-'));
  pool = new ParquetWorkerPool({ size: 1 });
});
after(async () => {
  await pool.close();
  await fs.rm(root, { recursive: true, force: true });
});

async function newTable(name: string): Promise<string> {
  const dir = path.join(root, name);
  await new DeltaTableStorage().create(tableInfo(ALL_TYPES, { storageLocation: pathToFileURL(dir).href }));
  return dir;
}

/** Runs a writer process; resolves with its exit signal (null when it exited normally). */
async function writer(args: (string | number)[]): Promise<{ signal: NodeJS.Signals | null; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', WRITER, ...args.map(String)], { timeout: 120_000 });
    return { signal: null, stdout };
  } catch (error) {
    const e = error as { signal?: NodeJS.Signals; stderr?: string };
    if (e.signal) return { signal: e.signal, stdout: '' };
    throw new Error(`writer failed: ${e.stderr ?? String(error)}`);
  }
}

describe('two writer processes on one table', { timeout: 300_000 }, () => {
  it('commit every batch exactly once, on contiguous versions', async () => {
    const dir = await newTable('shared');
    const batches = 12;
    const startAt = Date.now() + 3000;
    const [a, b] = await Promise.all([
      writer([dir, path.join(root, 'wal-a'), 0, batches, 5, startAt]),
      writer([dir, path.join(root, 'wal-b'), 1000, batches, 5, startAt]),
    ]);
    const metrics = [JSON.parse(a.stdout), JSON.parse(b.stdout)] as { commits: number; lostRaces: number }[];
    assert.deepEqual(metrics.map((m) => m.commits), [batches, batches]);
    // Each lost race was retried on a later version (how many there are depends on scheduling).
    process.stdout.write(`# lost commit races: ${metrics.map((m) => m.lostRaces).join(' + ')}\n`);

    const snapshot = await loadSnapshot(pathToFileURL(dir).href);
    assert.equal(snapshot.version, 2 * batches);
    assert.equal(snapshot.files.length, 2 * batches);
    assert.deepEqual([...snapshot.txns.values()], [batches, batches]);
    const store = new LocalObjectStore(dir);
    const writers = new Set<string>();
    for (let v = 1; v <= 2 * batches; v++) {
      const actions = decodeCommit((await store.get(commitKey(v)))!, v);
      const txn = actions.find((x) => 'txn' in x);
      assert.ok(txn && 'txn' in txn, `version ${v} carries a txn`);
      writers.add(txn.txn.appId);
    }
    assert.equal(writers.size, 2);

    const view = await runPythonJson<DeltaRsView>(READ_DELTA_PY, [dir]);
    const expected = [...allTypesRows(0, batches * 5), ...allTypesRows(1000, batches * 5)].map(expectedFromReader);
    assert.deepEqual(view.rows, expected);
  });
});

describe('a writer killed in its commit path', { timeout: 300_000 }, () => {
  for (const crash of ['before-commit', 'after-commit'] as const) {
    it(`loses and duplicates nothing when killed ${crash.replace('-', ' ')}`, async () => {
      const dir = await newTable(crash);
      const walDir = path.join(root, `wal-${crash}`);
      const result = await writer([dir, walDir, 0, 3, 7, 0, crash]);
      assert.equal(result.signal, 'SIGKILL');
      const store = new LocalObjectStore(dir);
      const beforeRestart = await loadSnapshot(store);
      assert.equal(beforeRestart.version, crash === 'after-commit' ? 3 : 2);
      const parquetFiles = (await store.list('')).filter((o) => o.key.endsWith('.parquet'));
      assert.equal(parquetFiles.length, 3, 'the last Parquet file was written before the kill');

      const wal = await TableWal.open(walDir, WAL_SETTINGS);
      const table = tableInfo(ALL_TYPES, { storageLocation: pathToFileURL(dir).href });
      const settings = { flushIntervalMs: 3_600_000, flushBytes: 1 << 30, checkpointInterval: 10, compactMinFiles: 1000 };
      const restarted = new Materializer({ table, wal, pool, settings });
      await restarted.start();
      await restarted.close();
      assert.equal(restarted.committedPosition, 3);
      assert.equal(restarted.metrics.commits, crash === 'after-commit' ? 0 : 1);
      await wal.close();

      const view = await runPythonJson<DeltaRsView>(READ_DELTA_PY, [dir]);
      assert.deepEqual(view.rows, allTypesRows(0, 21).map(expectedFromReader));

      // The file written before the kill is referenced by nothing when the commit never happened.
      const vacuumed = await vacuumTable(store, { retentionMs: 0, now: Date.now() + 1000 });
      assert.equal(vacuumed.deleted.length, crash === 'before-commit' ? 1 : 0);
      assert.deepEqual((await runPythonJson<DeltaRsView>(READ_DELTA_PY, [dir])).rows.length, 21);
    });
  }
});
