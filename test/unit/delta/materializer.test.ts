import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ipcFromRows } from '../../../src/delta/arrow-rows.js';
import { Materializer } from '../../../src/delta/materializer.js';
import { LocalObjectStore } from '../../../src/delta/object-store.js';
import { ParquetWorkerPool } from '../../../src/delta/parquet-pool.js';
import { readParquetBatches } from '../../../src/delta/parquet-file.js';
import { loadSnapshot } from '../../../src/delta/snapshot.js';
import { DeltaTableStorage } from '../../../src/delta/table-storage.js';
import type { MaterializerSettings } from '../../../src/server/config.js';
import { TableWal } from '../../../src/wal/table-wal.js';
import { tableInfo } from './fixtures.js';

const COLUMNS = { id: 'bigint', name: 'string' };
const WAL = { groupCommitMs: 0, groupCommitBytes: 1 << 20, segmentBytes: 1 << 12, fsync: false };
const QUIET: MaterializerSettings = { flushIntervalMs: 3_600_000, flushBytes: 1 << 30, checkpointInterval: 10, compactMinFiles: 1000 };

let root: string;
let pool: ParquetWorkerPool;
before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-materializer-'));
  pool = new ParquetWorkerPool({ size: 1 });
});
after(async () => {
  await pool.close();
  await fs.rm(root, { recursive: true, force: true });
});

let counter = 0;
async function setup(
  settings: MaterializerSettings,
  store?: (dir: string) => LocalObjectStore,
  isCurrent?: () => Promise<boolean>,
  releasePayload?: (payload: Uint8Array) => void,
) {
  const dir = path.join(root, `t${++counter}`);
  const table = tableInfo(COLUMNS, { storageLocation: pathToFileURL(path.join(dir, 'table')).href });
  await new DeltaTableStorage().create(table);
  const wal = await TableWal.open(path.join(dir, 'wal'), WAL);
  const materializer = new Materializer({
    table,
    wal,
    pool,
    settings,
    ...(store ? { store: store(path.join(dir, 'table')) } : {}),
    ...(isCurrent ? { isCurrent } : {}),
    ...(releasePayload ? { releasePayload } : {}),
  });
  /** Appends rows `from`..`from+count-1` to the WAL; returns the frame's position and payload. */
  const append = async (from: number, count: number) => {
    const rows = Array.from({ length: count }, (_, k) => ({ id: BigInt(from + k), name: `n${from + k}` }));
    const ipc = ipcFromRows(table.columns, rows);
    return { seq: await wal.append(ipc, count), ipc };
  };
  /** Every id in the table's live files, in file order. */
  const ids = async () => {
    const store = new LocalObjectStore(path.join(dir, 'table'));
    const snapshot = await loadSnapshot(store);
    const files = [...snapshot.files].sort((a, b) => a.modificationTime - b.modificationTime);
    const out: number[] = [];
    for (const f of files) {
      for (const batch of readParquetBatches((await store.get(f.path))!)) {
        for (const id of batch.getChild('id')!) out.push(Number(id));
      }
    }
    return out;
  };
  return { table, wal, materializer, append, ids };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), `timed out waiting until ${what}`);
}

describe('Materializer', { timeout: 120_000 }, () => {
  it('commits on its own once the flush interval passes', async () => {
    const t = await setup({ ...QUIET, flushIntervalMs: 20 });
    await t.materializer.start();
    const { seq, ipc } = await t.append(0, 5);
    t.materializer.offer(seq, ipc, 5, ipc.byteLength);
    await until(() => t.materializer.committedPosition === seq, 'the interval flush committed');
    await t.materializer.close();
    assert.deepEqual(await t.ids(), [0, 1, 2, 3, 4]);
    await t.wal.close();
  });

  it('commits what was buffered when a flush starts; what arrives meanwhile waits for the next interval', async () => {
    const t = await setup({ ...QUIET, flushIntervalMs: 300 });
    await t.materializer.start();
    const first = await t.append(0, 5);
    t.materializer.offer(first.seq, first.ipc, 5, first.ipc.byteLength);
    const flushing = t.materializer.flush();
    const second = await t.append(5, 5);
    t.materializer.offer(second.seq, second.ipc, 5, second.ipc.byteLength);
    await flushing;
    assert.equal(t.materializer.committedPosition, first.seq, 'the frame offered during the flush is not committed by it');
    assert.equal(t.materializer.metrics.commits, 1);
    await until(() => t.materializer.committedPosition === second.seq, 'the next interval committed the rest');
    await t.materializer.close();
    assert.deepEqual(await t.ids(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('stops committing when the table is dropped and created again under it', async () => {
    let current = true;
    const t = await setup(QUIET, undefined, async () => current);
    await t.materializer.start();
    current = false;
    const storage = new DeltaTableStorage();
    await storage.drop(t.table);
    const recreated = { ...t.table, tableId: '00000000-0000-4000-8000-000000000001' };
    await storage.create(recreated);
    const { seq, ipc } = await t.append(0, 5);
    t.materializer.offer(seq, ipc, 5, ipc.byteLength);
    await assert.rejects(t.materializer.flush(), /was dropped while being written/);
    const snapshot = await loadSnapshot(new LocalObjectStore(fileURLToPath(t.table.storageLocation)));
    assert.equal(snapshot.version, 0, 'the new table keeps its own log');
    assert.deepEqual(snapshot.files, []);
    await t.materializer.close();
  });

  it('commits at once when the buffer reaches flushBytes', async () => {
    const t = await setup({ ...QUIET, flushBytes: 1024 });
    await t.materializer.start();
    for (let i = 0; i < 4; i++) {
      const { seq, ipc } = await t.append(i * 20, 20);
      t.materializer.offer(seq, ipc, 20, ipc.byteLength);
    }
    await until(() => t.materializer.committedPosition === 4, 'the size-triggered flushes committed');
    assert.ok(t.materializer.metrics.commits >= 2);
    await t.materializer.close();
    assert.deepEqual(await t.ids(), Array.from({ length: 80 }, (_, i) => i));
    await t.wal.close();
  });

  it('lets a writer wait until less than a limit is buffered, flushing if need be', async () => {
    const t = await setup(QUIET);
    await t.materializer.start();
    let limit = 0;
    for (let i = 0; i < 3; i++) {
      const { seq, ipc } = await t.append(i * 10, 10);
      t.materializer.offer(seq, ipc, 10, ipc.byteLength);
      limit = ipc.byteLength;
    }
    assert.ok(t.materializer.bufferedBytes >= limit);
    await t.materializer.bufferedBelow(limit);
    assert.ok(t.materializer.bufferedBytes < limit);
    assert.equal(t.materializer.committedPosition, 3);
    await t.materializer.close();
    assert.deepEqual(await t.ids(), Array.from({ length: 30 }, (_, i) => i));
    await t.wal.close();
  });

  it('writes a flush larger than fileBytes as one commit of several files', async () => {
    const t = await setup({ ...QUIET, fileBytes: 1 });
    await t.materializer.start();
    for (let i = 0; i < 3; i++) {
      const { seq, ipc } = await t.append(i * 10, 10);
      t.materializer.offer(seq, ipc, 10, ipc.byteLength);
    }
    await t.materializer.flush();
    assert.equal(t.materializer.metrics.commits, 1);
    assert.equal(t.materializer.metrics.filesWritten, 3);
    const snapshot = await loadSnapshot(new LocalObjectStore(fileURLToPath(t.table.storageLocation)));
    assert.equal(snapshot.version, 1);
    assert.equal(snapshot.files.length, 3);
    await t.materializer.close();
    assert.deepEqual(await t.ids(), Array.from({ length: 30 }, (_, i) => i));
    await t.wal.close();
  });

  it('writes its files in the configured codec', async () => {
    const t = await setup({ ...QUIET, dataFileCodec: 'zstd' });
    await t.materializer.start();
    const { seq, ipc } = await t.append(0, 5);
    t.materializer.offer(seq, ipc, 5, ipc.byteLength);
    await t.materializer.flush();
    const snapshot = await loadSnapshot(new LocalObjectStore(fileURLToPath(t.table.storageLocation)));
    assert.match(snapshot.files[0]!.path, /\.zstd\.parquet$/);
    await t.materializer.close();
    assert.deepEqual(await t.ids(), [0, 1, 2, 3, 4]);
    await t.wal.close();
  });

  it('retries a failing write with backoff and loses or reorders nothing', async () => {
    let failures = 2;
    class FlakyStore extends LocalObjectStore {
      override async put(key: string, bytes: Uint8Array): Promise<void> {
        if (key.endsWith('.parquet') && !key.startsWith('_delta_log') && failures-- > 0) throw new Error('disk full');
        return super.put(key, bytes);
      }
    }
    const t = await setup(QUIET, (dir) => new FlakyStore(dir));
    await t.materializer.start();
    const first = await t.append(0, 3);
    t.materializer.offer(first.seq, first.ipc, 3, first.ipc.byteLength);
    const flushed = t.materializer.flush();
    const second = await t.append(3, 3);
    t.materializer.offer(second.seq, second.ipc, 3, second.ipc.byteLength);
    await flushed;
    await t.materializer.flush();
    assert.equal(t.materializer.metrics.failedFlushes, 2);
    assert.equal(t.materializer.committedPosition, second.seq);
    await t.materializer.close();
    assert.deepEqual(await t.ids(), [0, 1, 2, 3, 4, 5]);
    await t.wal.close();
  });

  it('hands a payload back only once a commit holds its rows, never after a failed one', async () => {
    const released: Uint8Array[] = [];
    let failures = 1;
    class FlakyStore extends LocalObjectStore {
      override async put(key: string, bytes: Uint8Array): Promise<void> {
        if (key.endsWith('.parquet') && failures-- > 0) {
          assert.deepEqual(released, [], 'nothing handed back before its commit');
          throw new Error('disk full');
        }
        return super.put(key, bytes);
      }
    }
    const t = await setup(QUIET, (dir) => new FlakyStore(dir), undefined, (payload) => released.push(payload));
    await t.materializer.start();
    const first = await t.append(0, 3);
    const second = await t.append(3, 2);
    t.materializer.offer(first.seq, first.ipc, 3, first.ipc.byteLength);
    t.materializer.offer(second.seq, second.ipc, 2, second.ipc.byteLength);
    await t.materializer.flush();
    assert.equal(t.materializer.metrics.failedFlushes, 1);
    assert.equal(released.length, 2);
    assert.ok(released[0] === first.ipc && released[1] === second.ipc, 'the offered payloads themselves, in order');
    await t.materializer.close();
    assert.deepEqual(await t.ids(), [0, 1, 2, 3, 4]);
    assert.equal(released.length, 2, 'each handed back once');
    await t.wal.close();
  });

  it('reads a frame it was not offered from the WAL instead of committing past it', async () => {
    const t = await setup(QUIET);
    await t.materializer.start();
    const frames = [];
    for (let i = 0; i < 6; i++) frames.push(await t.append(i * 2, 2));
    t.materializer.offer(frames[0]!.seq, frames[0]!.ipc, 2, 100);
    t.materializer.offer(frames[2]!.seq, frames[2]!.ipc, 2, 100);
    const flushed = t.materializer.flush();
    // Frames offered while the flush reads the WAL, in order but still past the gap.
    for (const f of frames.slice(3)) t.materializer.offer(f.seq, f.ipc, 2, 100);
    await flushed;
    await t.materializer.flush();
    assert.equal(t.materializer.committedPosition, frames[5]!.seq);
    await t.materializer.close();
    assert.deepEqual((await t.ids()).sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i));
    await t.wal.close();
  });

  it('replays on start only what the table does not hold yet, and ignores offers it already has', async () => {
    const t = await setup(QUIET);
    await t.materializer.start();
    const a = await t.append(0, 2);
    t.materializer.offer(a.seq, a.ipc, 2, 100);
    await t.materializer.close();
    const b = await t.append(2, 2);

    const again = new Materializer({ table: t.table, wal: t.wal, pool, settings: QUIET });
    await again.start();
    assert.equal(again.committedPosition, b.seq);
    assert.equal(again.metrics.commits, 1);
    again.offer(a.seq, a.ipc, 2, 100);
    again.offer(b.seq, b.ipc, 2, 100);
    await again.close();
    assert.equal(again.metrics.commits, 1);
    assert.deepEqual(await t.ids(), [0, 1, 2, 3]);
    await t.wal.close();
  });
});
