/**
 * `tributary query`, `optimize` and `vacuum` as a user runs them, against a table created with
 * `tributary sql` and filled through the Materializer.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openSqliteStore } from '../../src/catalog/sqlite-store.js';
import { ipcFromRows } from '../../src/delta/arrow-rows.js';
import { Materializer } from '../../src/delta/materializer.js';
import { ParquetWorkerPool } from '../../src/delta/parquet-pool.js';
import { loadSnapshot } from '../../src/delta/snapshot.js';
import { dataPaths } from '../../src/server/config.js';
import { TableWal } from '../../src/wal/table-wal.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../bin/tributary.js', import.meta.url));
const TABLE = 'main.default.air_quality';

let dataDir: string;
let location: string;

async function tributary(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args, '--data-dir', dataDir], { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('tributary query, optimize and vacuum', { timeout: 300_000 }, () => {
  before(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-query-'));
    const created = await tributary('sql', `CREATE TABLE ${TABLE} (device_name STRING, temp INT, humidity BIGINT)`);
    assert.equal(created.code, 0, created.stderr);

    const store = openSqliteStore(dataPaths(dataDir).catalogDb);
    const table = (await store.getTable({ catalog: 'main', schema: 'default', table: 'air_quality' }))!;
    await store.close();
    location = table.storageLocation;
    const wal = await TableWal.open(path.join(dataDir, 'wal-test'), {
      groupCommitMs: 0,
      groupCommitBytes: 1 << 20,
      segmentBytes: 1 << 20,
      fsync: false,
    });
    const pool = new ParquetWorkerPool({ size: 1 });
    const materializer = new Materializer({
      table,
      wal,
      pool,
      settings: { flushIntervalMs: 3_600_000, flushBytes: 1 << 30, checkpointInterval: 10, compactMinFiles: 1000 },
    });
    await materializer.start();
    for (let batch = 0; batch < 2; batch++) {
      const rows = Array.from({ length: 50 }, (_, k) => {
        const i = batch * 50 + k;
        return { device_name: `sensor-${i % 4}`, temp: i, humidity: i % 10 === 0 ? null : BigInt(i * 3) };
      });
      const ipc = ipcFromRows(table.columns, rows);
      const seq = await wal.append(ipc, rows.length);
      materializer.offer(seq, ipc, rows.length, ipc.byteLength);
      await materializer.flush();
    }
    await materializer.close();
    await pool.close();
    await wal.close();
  });

  after(() => fs.rm(dataDir, { recursive: true, force: true }));

  it('counts the rows of the current snapshot', async () => {
    const result = await tributary('query', `SELECT count(*) AS n FROM ${TABLE}`);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout.split('\n').map((l) => l.trim()), ['n', '---', '100', '(1 row)', '']);
  });

  it('filters, as JSON and as CSV', async () => {
    const sql = `SELECT device_name, temp, humidity FROM ${TABLE} WHERE temp >= 97 AND device_name <> 'sensor-2' ORDER BY temp`;
    const json = await tributary('query', sql, '--format', 'json');
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), [
      { device_name: 'sensor-1', temp: 97, humidity: '291' },
      { device_name: 'sensor-3', temp: 99, humidity: '297' },
    ]);
    const csv = await tributary('query', `SELECT temp, humidity FROM ${TABLE} WHERE temp IN (10, 11) ORDER BY temp`, '--format', 'csv');
    assert.equal(csv.stdout, 'temp,humidity\n10,NULL\n11,33\n');
  });

  it('reports an unknown table as an error', async () => {
    const result = await tributary('query', 'SELECT * FROM main.default.nope');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /nope/);
  });

  it('compacts the table, then vacuums the replaced files, without changing what queries see', async () => {
    assert.equal((await loadSnapshot(location)).files.length, 2);
    const optimized = await tributary('optimize', TABLE);
    assert.equal(optimized.code, 0, optimized.stderr);
    assert.match(optimized.stdout, /2 files \(\d+ bytes\) compacted into part-/);
    assert.equal((await loadSnapshot(location)).files.length, 1);

    const refused = await tributary('vacuum', TABLE, '--retain-hours', '0');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /below the table's retention/);
    const vacuumed = await tributary('vacuum', TABLE, '--retain-hours', '0', '--force');
    assert.equal(vacuumed.code, 0, vacuumed.stderr);
    assert.match(vacuumed.stdout, /2 data files, 0 log files removed/);

    const sum = await tributary('query', `SELECT count(*) AS n, sum(temp) AS s FROM ${TABLE}`, '--format', 'csv');
    assert.equal(sum.stdout, 'n,s\n100,4950\n');
  });
});
