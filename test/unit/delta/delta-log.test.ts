import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { LAST_CHECKPOINT_KEY, checkpointKey, commitKey, versionPrefix, type Action } from '../../../src/delta/actions.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../../src/delta/checkpoint.js';
import { DeltaLog, type ConflictCheck } from '../../../src/delta/delta-log.js';
import { cleanupLog } from '../../../src/delta/log-cleanup.js';
import { LocalObjectStore } from '../../../src/delta/object-store.js';
import { loadSnapshot, loadTableState } from '../../../src/delta/snapshot.js';
import { DeltaTableStorage } from '../../../src/delta/table-storage.js';
import { vacuumTable } from '../../../src/delta/vacuum.js';
import { tableInfo } from './fixtures.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-log-'));
after(() => fs.rm(root, { recursive: true, force: true }));

const DAY = 86_400_000;
const retry: ConflictCheck = () => 'retry';

async function newTable(properties: Record<string, string> = {}): Promise<{ store: LocalObjectStore; dir: string }> {
  const dir = path.join(root, randomUUID());
  await new DeltaTableStorage().create(
    tableInfo({ a: 'int', s: 'string' }, { storageLocation: pathToFileURL(dir).href, properties }),
  );
  return { store: new LocalObjectStore(dir), dir };
}

function append(name: string, txn?: { appId: string; version: number }): Action[] {
  const actions: Action[] = [
    { add: { path: name, partitionValues: {}, size: 10, modificationTime: 1, dataChange: true, stats: '{"numRecords":1}' } },
  ];
  if (txn) actions.push({ txn });
  return actions;
}

describe('Delta log commits', () => {
  it('creates version 0 idempotently for the same table and refuses another table at the location', async () => {
    const { dir } = await newTable();
    const location = pathToFileURL(dir).href;
    await new DeltaTableStorage().create(tableInfo({ a: 'int', s: 'string' }, { storageLocation: location }));
    await assert.rejects(
      new DeltaTableStorage().create(tableInfo({ a: 'int' }, { storageLocation: location, tableId: randomUUID() })),
      /a different Delta table already exists/,
    );
    const snapshot = await loadSnapshot(location);
    assert.equal(snapshot.version, 0);
    assert.equal(snapshot.files.length, 0);
  });

  it('retries a lost race on the next version without losing either commit', async () => {
    const { store } = await newTable();
    const a = await DeltaLog.open(store);
    const b = await DeltaLog.open(store);
    assert.deepEqual(await a.commit(append('a1'), retry), { kind: 'committed', version: 1, lostRaces: 0 });
    assert.deepEqual(await b.commit(append('b1'), retry), { kind: 'committed', version: 2, lostRaces: 1 });
    assert.deepEqual(await a.commit(append('a2'), retry), { kind: 'committed', version: 3, lostRaces: 1 });
    const snapshot = await loadSnapshot(store);
    assert.deepEqual(snapshot.files.map((f) => f.path).sort(), ['a1', 'a2', 'b1']);
    assert.equal(a.version, 3);
  });

  it('lets the conflict check see the winner and stop a commit it supersedes', async () => {
    const { store } = await newTable();
    const a = await DeltaLog.open(store);
    const b = await DeltaLog.open(store);
    await a.commit(append('first', { appId: 'wal', version: 5 }), retry);
    const seen: Action[][] = [];
    const outcome = await b.commit(append('again', { appId: 'wal', version: 5 }), (winner) => {
      seen.push([...winner]);
      return winner.some((x) => 'txn' in x && x.txn.version >= 5) ? 'superseded' : 'retry';
    });
    assert.deepEqual(outcome, { kind: 'superseded', version: 1, lostRaces: 1 });
    assert.equal(seen.length, 1);
    assert.deepEqual((await loadSnapshot(store)).files.map((f) => f.path), ['first']);
    assert.equal(b.txnVersion('wal'), 5);
  });

  it('serializes commits made through one handle', async () => {
    const { store } = await newTable();
    const log = await DeltaLog.open(store);
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => log.commit(append(`f${i}`), retry)));
    assert.deepEqual(outcomes.map((o) => o.version), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

describe('checkpoints and snapshots', () => {
  it('round-trips checkpoint rows through Parquet', async () => {
    const { store } = await newTable();
    const log = await DeltaLog.open(store);
    await log.commit([...append('x y%.parquet', { appId: 'w', version: 3 })], retry);
    await log.commit([{ remove: { path: 'x y%.parquet', deletionTimestamp: Date.now(), dataChange: true } }], retry);
    const actions = (await loadTableState(store)).checkpointActions();
    assert.deepEqual(decodeCheckpoint(encodeCheckpoint(actions)), actions);
  });

  it('writes a checkpoint every interval and reads the table from it after old commits are gone', async () => {
    const { store } = await newTable();
    const log = await DeltaLog.open(store, { checkpointInterval: 3 });
    for (let i = 1; i <= 7; i++) await log.commit(append(`f${i}`, { appId: 'w', version: i * 10 }), retry);
    await log.idle();
    assert.ok(await store.get(checkpointKey(3)));
    assert.ok(await store.get(checkpointKey(6)));
    assert.equal(await store.get(checkpointKey(7)), undefined);
    const pointer = JSON.parse(Buffer.from((await store.get(LAST_CHECKPOINT_KEY))!).toString());
    assert.deepEqual(pointer, { version: 6, size: 9, sizeInBytes: pointer.sizeInBytes, numOfAddFiles: 6 });

    const listed: (string | undefined)[] = [];
    class ListingStore extends LocalObjectStore {
      override list(prefix: string, opts: { after?: string } = {}) {
        listed.push(opts.after);
        return super.list(prefix, opts);
      }
    }
    await loadSnapshot(new ListingStore(store.root));
    assert.deepEqual(listed, [versionPrefix(6)], 'one listing, starting at the checkpoint');

    for (let v = 0; v < 6; v++) await store.delete(commitKey(v));
    const snapshot = await loadSnapshot(store);
    assert.equal(snapshot.version, 7);
    assert.deepEqual(snapshot.files.map((f) => f.path).sort(), ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7']);
    assert.equal(snapshot.txns.get('w'), 70);
    assert.equal(JSON.parse(snapshot.metadata.schemaString).fields.length, 2);
  });

  it('reports a gap in the log instead of skipping a version', async () => {
    const { store } = await newTable();
    const log = await DeltaLog.open(store);
    for (let i = 0; i < 3; i++) await log.commit(append(`f${i}`), retry);
    await store.delete(commitKey(2));
    await assert.rejects(loadSnapshot(store), /missing version 2/);
  });
});

describe('log cleanup and vacuum', () => {
  async function age(dir: string, key: string, ms: number): Promise<void> {
    const when = new Date(Date.now() - ms);
    await fs.utimes(path.join(dir, key), when, when);
  }

  it('deletes expired commits only behind a checkpoint that is itself expired', async () => {
    const { store, dir } = await newTable();
    const log = await DeltaLog.open(store, { checkpointInterval: 2 });
    for (let i = 1; i <= 5; i++) await log.commit(append(`f${i}`), retry);
    await log.idle();
    for (let v = 0; v <= 3; v++) await age(dir, commitKey(v), 40 * DAY);
    await age(dir, checkpointKey(2), 40 * DAY);
    const deleted = await cleanupLog(store, { retentionMs: 30 * DAY, now: Date.now() });
    assert.equal(deleted, 2);
    const keys = (await store.list('_delta_log/')).map((o) => o.key);
    assert.ok(!keys.includes(commitKey(0)) && !keys.includes(commitKey(1)));
    assert.ok(keys.includes(commitKey(2)) && keys.includes(checkpointKey(2)) && keys.includes(checkpointKey(4)));
    assert.equal((await loadSnapshot(store)).files.length, 5);
  });

  it('vacuums unreferenced files after the retention, counting removed files from their removal', async () => {
    const { store, dir } = await newTable();
    const log = await DeltaLog.open(store);
    for (const name of ['live', 'removed-old', 'removed-new', 'orphan-old', 'orphan-new']) {
      await store.put(name, Buffer.from(name));
      await age(dir, name, 30 * DAY);
    }
    await age(dir, 'orphan-new', 1000);
    await log.commit([...append('live'), ...append('removed-old'), ...append('removed-new')], retry);
    await log.commit(
      [
        { remove: { path: 'removed-old', deletionTimestamp: Date.now() - 8 * DAY, dataChange: true } },
        { remove: { path: 'removed-new', deletionTimestamp: Date.now() - DAY, dataChange: true } },
      ],
      retry,
    );
    const dry = await vacuumTable(store, { dryRun: true });
    assert.deepEqual(dry.deleted.sort(), ['orphan-old', 'removed-old']);
    assert.ok(await store.get('orphan-old'));
    await vacuumTable(store);
    const left = (await store.list('')).map((o) => o.key).sort();
    assert.deepEqual(left, ['live', 'orphan-new', 'removed-new']);
  });
});
