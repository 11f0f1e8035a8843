/**
 * Delta materialization: rows per second from WAL payloads (Arrow IPC) to committed Parquet files for a
 * 3-column and a 100-column table (Parquet encoding in the worker pool, durable file write, commit), the
 * Parquet bytes per row, and the time to load the snapshot of a table with 10,000 commits (with
 * checkpoints every 10, and from the JSON commits alone for comparison). Prints wall-clock and CPU figures
 * (CPU time counts every thread, so it is fair on a busy machine); asserts nothing.
 *
 *   node --import tsx bench/materialize.ts [--rows 200000] [--batch 10000] [--commits 10000]
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { TableInfo } from '../src/catalog/model.js';
import { parseTypeText, type Column, type DataType } from '../src/catalog/types.js';
import { LAST_CHECKPOINT_KEY, checkpointKey, commitKey, encodeCommit, type Action } from '../src/delta/actions.js';
import { ipcFromRows } from '../src/delta/arrow-rows.js';
import { encodeCheckpoint } from '../src/delta/checkpoint.js';
import { Materializer } from '../src/delta/materializer.js';
import { LocalObjectStore } from '../src/delta/object-store.js';
import { ParquetWorkerPool } from '../src/delta/parquet-pool.js';
import { loadSnapshot } from '../src/delta/snapshot.js';
import { createTableActions } from '../src/delta/table-create.js';
import { DeltaTableStorage } from '../src/delta/table-storage.js';
import { TableState } from '../src/delta/table-state.js';
import type { WalPosition } from '../src/wal/position.js';
import { TableWal } from '../src/wal/table-wal.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '10000' },
    commits: { type: 'string', default: '10000' },
  },
});
const totalRows = Number(values.rows);
const batchRows = Number(values.batch);
const totalCommits = Number(values.commits);

function table(dir: string, columns: Column[]): TableInfo {
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

function payloads(columns: Column[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let start = 0; start < totalRows; start += batchRows) {
    const rows = Array.from({ length: Math.min(batchRows, totalRows - start) }, (_, k) =>
      Object.fromEntries(columns.map((c) => [c.name, valueFor(c.type, start + k)])),
    );
    out.push(ipcFromRows(columns, rows));
  }
  return out;
}

async function materialize(label: string, columns: Column[], pool: ParquetWorkerPool): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-bench-'));
  try {
    const info = table(dir, columns);
    await new DeltaTableStorage().create(info);
    const wal = await TableWal.open(path.join(dir, 'wal'), {
      groupCommitMs: 0,
      groupCommitBytes: 1 << 20,
      segmentBytes: 1 << 30,
      fsync: false,
    });
    const batches = payloads(columns);
    const ipcBytes = batches.reduce((n, b) => n + b.byteLength, 0);
    // Flush about every quarter of the data: several commits, each a realistically sized file.
    const materializer = new Materializer({
      table: info,
      wal,
      pool,
      settings: { flushIntervalMs: 3_600_000, flushBytes: Math.ceil(ipcBytes / 4), checkpointInterval: 10, compactMinFiles: 1000 },
    });
    await materializer.start();
    const positions: WalPosition[] = [];
    for (const ipc of batches) positions.push(await wal.append(ipc, batchRows));
    const cpu = process.cpuUsage();
    const started = performance.now();
    batches.forEach((ipc, i) => materializer.offer(positions[i]!, ipc, batchRows, ipc.byteLength));
    await materializer.flush();
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpuSecondsSince(cpu);
    await materializer.close();
    await wal.close();
    const snapshot = await loadSnapshot(info.storageLocation);
    const parquetBytes = snapshot.files.reduce((n, f) => n + f.size, 0);
    return [
      label,
      String(totalRows),
      String(materializer.metrics.commits),
      Math.round(totalRows / seconds).toLocaleString('en-US'),
      Math.round(totalRows / cpuSeconds).toLocaleString('en-US'),
      (ipcBytes / seconds / 1e6).toFixed(1),
      (parquetBytes / totalRows).toFixed(1),
      (ipcBytes / totalRows).toFixed(1),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes a log of `commits` one-file appends directly (no fsync), with checkpoints every 10 versions. */
async function longLog(dir: string, commits: number, withCheckpoints: boolean): Promise<string> {
  const info = table(dir, NARROW);
  const root = path.join(dir, 'table');
  await mkdir(path.join(root, '_delta_log'), { recursive: true });
  const state = new TableState();
  const write = async (version: number, actions: Action[]) => {
    state.apply(version, actions);
    await writeFile(path.join(root, commitKey(version)), encodeCommit(actions));
    if (withCheckpoints && version > 0 && version % 10 === 0) {
      const rows = state.checkpointActions();
      await writeFile(path.join(root, checkpointKey(version)), encodeCheckpoint(rows));
      await writeFile(path.join(root, LAST_CHECKPOINT_KEY), JSON.stringify({ version, size: rows.length }));
    }
  };
  await write(0, createTableActions(info, 0));
  const stats = '{"numRecords":100,"minValues":{"c0":"a","c1":1,"c2":1},"maxValues":{"c0":"z","c1":9,"c2":9},"nullCount":{"c0":0,"c1":0,"c2":0}}';
  for (let v = 1; v <= commits; v++) {
    await write(v, [
      { add: { path: `part-${v}.zstd.parquet`, partitionValues: {}, size: 4096, modificationTime: v, dataChange: true, stats } },
      { txn: { appId: 'bench-wal', version: v, lastUpdated: v } },
      { commitInfo: { timestamp: v, operation: 'STREAMING UPDATE', operationParameters: {} } },
    ]);
  }
  return root;
}

async function snapshotLoad(label: string, withCheckpoints: boolean): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-bench-log-'));
  try {
    const root = await longLog(dir, totalCommits, withCheckpoints);
    const store = new LocalObjectStore(root);
    const times: number[] = [];
    const cpuTimes: number[] = [];
    let files = 0;
    for (let i = 0; i < 5; i++) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      files = (await loadSnapshot(store)).files.length;
      times.push(performance.now() - started);
      cpuTimes.push(cpuSecondsSince(cpu) * 1000);
    }
    const best = (xs: number[]) => Math.min(...xs).toFixed(1);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[2]!.toFixed(1);
    return [label, String(totalCommits), String(files), best(times), median(times), best(cpuTimes)];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** CPU seconds of every thread of this process (the Parquet workers included) since `start`. */
function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  console.log();
}

const pool = new ParquetWorkerPool();
try {
  printTable(
    ['table', 'rows', 'commits', 'rows/s', 'rows/CPU-s', 'IPC MB/s', 'Parquet B/row', 'IPC B/row'],
    [await materialize('3 columns', NARROW, pool), await materialize('100 columns', WIDE, pool)],
  );
} finally {
  await pool.close();
}
printTable(
  ['snapshot load', 'commits', 'files', 'best ms', 'median ms', 'best CPU ms'],
  [await snapshotLoad('with checkpoints', true), await snapshotLoad('JSON commits only', false)],
);
