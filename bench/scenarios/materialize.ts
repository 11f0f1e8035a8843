/**
 * Delta materialization in this process (issue 4): rows per second from WAL payloads (Arrow IPC) to
 * committed Parquet files for a 3-column and a 100-column table (encoding in the worker pool, durable
 * file write, commit), Parquet bytes per row, and the time to load the snapshot of a table with 10,000
 * commits and a checkpoint every 10. CPU time counts every thread, so rows per CPU-second is fair on a
 * busy machine.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TableInfo } from '../../src/catalog/model.js';
import { parseTypeText, type Column, type DataType } from '../../src/catalog/types.js';
import { LAST_CHECKPOINT_KEY, checkpointKey, commitKey, encodeCommit, type Action } from '../../src/delta/actions.js';
import { ipcFromRows } from '../../src/delta/arrow-rows.js';
import { encodeCheckpoint } from '../../src/delta/checkpoint.js';
import { Materializer } from '../../src/delta/materializer.js';
import { LocalObjectStore } from '../../src/delta/object-store.js';
import { ParquetWorkerPool } from '../../src/delta/parquet-pool.js';
import { loadSnapshot } from '../../src/delta/snapshot.js';
import { createTableActions } from '../../src/delta/table-create.js';
import { DeltaTableStorage } from '../../src/delta/table-storage.js';
import { TableState } from '../../src/delta/table-state.js';
import type { WalPosition } from '../../src/wal/position.js';
import { TableWal } from '../../src/wal/table-wal.js';
import { figure, type ResultRow } from '../harness/results.js';
import { pick, repeat, type Scenario } from './scenario.js';

const BATCH_ROWS = 10_000;
/** Snapshot loads per run; the run's figure is their median. */
const LOADS_PER_RUN = 5;

function tableInfo(dir: string, columns: Column[]): TableInfo {
  return {
    catalogName: 'bench',
    schemaName: 'default',
    name: 't',
    fullName: 'bench.default.t',
    tableId: '00000000-0000-4000-8000-000000000001',
    columns,
    properties: {},
    storageLocation: pathToFileURL(path.join(dir, 'table')).href,
    owner: 'bench',
    createdBy: 'bench',
    createdAt: 0,
    updatedAt: 0,
  };
}

function columnsOf(types: string[]): Column[] {
  return types.map((t, position) => ({ name: `c${position}`, type: parseTypeText(t), nullable: true, position }));
}

/** The demo table's shape, and a wide one cycling through common types. */
const NARROW = columnsOf(['string', 'int', 'bigint']);
const WIDE_TYPES = ['string', 'int', 'bigint', 'double', 'timestamp', 'boolean', 'decimal(10,2)', 'date', 'float', 'smallint'];
const WIDE = columnsOf(Array.from({ length: 100 }, (_, i) => WIDE_TYPES[i % WIDE_TYPES.length]!));

function valueFor(type: DataType, i: number): unknown {
  switch (type.kind) {
    case 'string':
      return `device-${i % 1000}-${(i * 7919) % 100_000}`;
    case 'int':
    case 'short':
      return (i * 31) % 30_000;
    case 'long':
      return BigInt(i) * 1_000_003n;
    case 'double':
    case 'float':
      return (i % 1000) / 7;
    case 'timestamp':
      return 1_700_000_000_000_000n + BigInt(i) * 1000n;
    case 'boolean':
      return i % 3 === 0;
    case 'decimal':
      return `${i % 100_000}.${String(i % 100).padStart(2, '0')}`;
    case 'date':
      return 19_000 + (i % 365);
    default:
      return null;
  }
}

/** WAL payloads (Arrow IPC) of `totalRows` rows in batches. */
function payloads(columns: Column[], totalRows: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let start = 0; start < totalRows; start += BATCH_ROWS) {
    const rows = Array.from({ length: Math.min(BATCH_ROWS, totalRows - start) }, (_, k) =>
      Object.fromEntries(columns.map((c) => [c.name, valueFor(c.type, start + k)])),
    );
    out.push(ipcFromRows(columns, rows));
  }
  return out;
}

interface MaterializeRun {
  readonly rowsPerSecond: number;
  readonly rowsPerCpuSecond: number;
  readonly parquetBytesPerRow: number;
  readonly ipcBytesPerRow: number;
}

/** Materializes `batches` (already in the WAL) into a fresh table, flushing about every quarter of the data. */
async function materialize(columns: Column[], batches: Uint8Array[], pool: ParquetWorkerPool): Promise<MaterializeRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-bench-'));
  try {
    const info = tableInfo(dir, columns);
    await new DeltaTableStorage().create(info);
    const wal = await TableWal.open(path.join(dir, 'wal'), {
      groupCommitMs: 0,
      groupCommitBytes: 1 << 20,
      segmentBytes: 1 << 30,
      fsync: false,
    });
    const totalRows = batches.length * BATCH_ROWS;
    const ipcBytes = batches.reduce((n, b) => n + b.byteLength, 0);
    const materializer = new Materializer({
      table: info,
      wal,
      pool,
      settings: { flushIntervalMs: 3_600_000, flushBytes: Math.ceil(ipcBytes / 4), checkpointInterval: 10, compactMinFiles: 1000 },
    });
    await materializer.start();
    const positions: WalPosition[] = [];
    for (const ipc of batches) positions.push(await wal.append(ipc, BATCH_ROWS));
    const cpu = process.cpuUsage();
    const started = performance.now();
    batches.forEach((ipc, i) => materializer.offer(positions[i]!, ipc, BATCH_ROWS, ipc.byteLength));
    await materializer.flush();
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpuSecondsSince(cpu);
    await materializer.close();
    await wal.close();
    const snapshot = await loadSnapshot(info.storageLocation);
    return {
      rowsPerSecond: totalRows / seconds,
      rowsPerCpuSecond: totalRows / cpuSeconds,
      parquetBytesPerRow: snapshot.files.reduce((n, f) => n + f.size, 0) / totalRows,
      ipcBytesPerRow: ipcBytes / totalRows,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Writes a log of `commits` one-file appends directly (no fsync) and the checkpoint a table checkpointed
 * every 10 versions has last. Earlier checkpoints are left out: a reader follows `_last_checkpoint` to the
 * newest and lists only the log after it, so they would not change the load, and encoding all of them
 * costs a minute.
 */
async function longLog(dir: string, commits: number): Promise<string> {
  const info = tableInfo(dir, NARROW);
  const root = path.join(dir, 'table');
  await mkdir(path.join(root, '_delta_log'), { recursive: true });
  const state = new TableState();
  const write = async (version: number, actions: Action[]) => {
    state.apply(version, actions);
    await writeFile(path.join(root, commitKey(version)), encodeCommit(actions));
  };
  const lastCheckpoint = commits - (commits % 10);
  await write(0, createTableActions(info, 0));
  const stats =
    '{"numRecords":100,"minValues":{"c0":"a","c1":1,"c2":1},"maxValues":{"c0":"z","c1":9,"c2":9},"nullCount":{"c0":0,"c1":0,"c2":0}}';
  for (let v = 1; v <= commits; v++) {
    await write(v, [
      { add: { path: `part-${v}.zstd.parquet`, partitionValues: {}, size: 4096, modificationTime: v, dataChange: true, stats } },
      { txn: { appId: 'bench-wal', version: v, lastUpdated: v } },
      { commitInfo: { timestamp: v, operation: 'STREAMING UPDATE', operationParameters: {} } },
    ]);
    if (v === lastCheckpoint) {
      const rows = state.checkpointActions();
      await writeFile(path.join(root, checkpointKey(v)), encodeCheckpoint(rows));
      await writeFile(path.join(root, LAST_CHECKPOINT_KEY), JSON.stringify({ version: v, size: rows.length }));
    }
  }
  return root;
}

/** Median wall and CPU milliseconds of loading the snapshot of the table at `root`. */
async function loadTimes(root: string): Promise<{ ms: number; cpuMs: number }> {
  const store = new LocalObjectStore(root);
  const ms: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < LOADS_PER_RUN; i++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    await loadSnapshot(store);
    ms.push(performance.now() - started);
    cpuMs.push(cpuSecondsSince(cpu) * 1000);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  return { ms: median(ms), cpuMs: median(cpuMs) };
}

/** CPU seconds of every thread of this process (the Parquet workers included) since `start`. */
function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

export const materializeScenario: Scenario = {
  name: 'materialize',
  title: 'Delta materialization and snapshot loading (in the bench process)',
  async run(ctx) {
    const workloads = [
      ['3 columns', NARROW, pick(ctx.options, 1_000_000, 20_000)],
      ['100 columns', WIDE, pick(ctx.options, 200_000, 20_000)],
    ] as const;
    const commits = pick(ctx.options, 10_000, 300);
    const rows: ResultRow[] = [];
    const pool = new ParquetWorkerPool();
    try {
      for (const [label, columns, totalRows] of workloads) {
        ctx.log(`materialize ${label}`);
        const batches = payloads(columns, totalRows);
        const runs = await repeat(ctx.options, () => materialize(columns, batches, pool));
        rows.push({
          labels: { workload: `${label}, ${totalRows.toLocaleString('en-US')} rows` },
          figures: [
            figure('rows/s', 'materialized', runs.map((r) => r.rowsPerSecond), 0),
            figure('rows/CPU-s', 'all threads', runs.map((r) => r.rowsPerCpuSecond), 0),
            figure('Parquet', 'B/row', runs.map((r) => r.parquetBytesPerRow), 1),
            figure('WAL IPC', 'B/row', runs.map((r) => r.ipcBytesPerRow), 1),
          ],
        });
      }
    } finally {
      await pool.close();
    }
    ctx.log(`materialize: writing a ${commits.toLocaleString('en-US')}-commit log`);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-bench-log-'));
    try {
      const root = await longLog(dir, commits);
      const loads = await repeat(ctx.options, () => loadTimes(root));
      rows.push({
        labels: { workload: `snapshot of ${commits.toLocaleString('en-US')} commits, checkpointed every 10` },
        figures: [
          figure('load', 'ms', loads.map((l) => l.ms), 1),
          figure('load CPU', 'ms', loads.map((l) => l.cpuMs), 1),
        ],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return {
      rows,
      notes: [
        `Materialization: WAL payloads of ${BATCH_ROWS.toLocaleString('en-US')} rows offered to a Materializer that ` +
          'flushes about every quarter of the data (one commit each, in Snappy files of up to 64 MiB of Arrow data, encoded in the worker ' +
          `pool). Snapshot load: median of ${LOADS_PER_RUN} loads per run of a table with one file per commit.`,
      ],
    };
  },
};
