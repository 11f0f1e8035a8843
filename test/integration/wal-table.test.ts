/**
 * TableWal on real files: positions, replay across restarts, group commit, segment rollover, truncation, and
 * what an I/O error does. Sync calls are counted (or failed) through the injectable durability surface; the
 * files themselves are always real.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { TributaryError } from '../../src/errors.js';
import type { WalSettings } from '../../src/server/config.js';
import {
  TableWal,
  WAL_ORIGIN,
  diskDurability,
  walPosition,
  type DurabilityOps,
  type WalFrame,
} from '../../src/wal/index.js';

const SETTINGS: WalSettings = {
  groupCommitMs: 1,
  groupCommitBytes: 1024 * 1024,
  segmentBytes: 1024 * 1024,
  fsync: true,
};

let dir: string;
beforeEach(async () => {
  dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'wal-table-')), 'wal');
});
afterEach(async () => {
  await rm(path.dirname(dir), { recursive: true, force: true });
});

async function collect(frames: AsyncIterable<WalFrame>): Promise<WalFrame[]> {
  const all: WalFrame[] = [];
  for await (const frame of frames) all.push(frame);
  return all;
}

/** Real syncs, counted; `gate` (when set) holds each data sync until released. */
function countingDurability() {
  const counts = { syncData: 0, syncDirectory: 0, inFlight: 0, maxInFlight: 0 };
  let gate: Promise<void> | undefined;
  let syncStarted: () => void = () => undefined;
  const ops: DurabilityOps = {
    async syncData(file) {
      counts.syncData++;
      counts.inFlight++;
      counts.maxInFlight = Math.max(counts.maxInFlight, counts.inFlight);
      syncStarted();
      await gate;
      await diskDurability.syncData(file);
      counts.inFlight--;
    },
    async syncDirectory(d) {
      counts.syncDirectory++;
      await diskDurability.syncDirectory(d);
    },
  };
  return {
    ops,
    counts,
    /** Holds data syncs until the returned function is called; resolves `started` when one begins. */
    hold(): { started: Promise<void>; release: () => void } {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      const started = new Promise<void>((resolve) => (syncStarted = resolve));
      return {
        started,
        release: () => {
          gate = undefined;
          release();
        },
      };
    },
  };
}

test('positions are dense from 1, and every acknowledged frame replays after a restart', async () => {
  const wal = await TableWal.open(dir, SETTINGS);
  assert.equal(wal.lastDurable, 0);
  const payloads = Array.from({ length: 60 }, (_, i) => randomBytes(i * 37));
  const first = await wal.append(payloads[0]!, 1);
  const rest = await Promise.all(payloads.slice(1).map((p, i) => wal.append(p, i + 2)));
  assert.deepEqual([first, ...rest], payloads.map((_, i) => i + 1));
  assert.equal(wal.lastDurable, 60);
  const walId = wal.walId;
  await wal.close();

  const reopened = await TableWal.open(dir, SETTINGS);
  assert.equal(reopened.walId, walId);
  assert.equal(reopened.lastDurable, 60);
  const frames = await collect(reopened.replay(WAL_ORIGIN));
  assert.deepEqual(frames.map((f) => f.seq), payloads.map((_, i) => i + 1));
  assert.deepEqual(frames.map((f) => f.rowCount), payloads.map((_, i) => i + 1));
  frames.forEach((f, i) => assert.deepEqual(Buffer.from(f.payload), payloads[i]));
  assert.deepEqual((await collect(reopened.replay(walPosition(57)))).map((f) => f.seq), [58, 59, 60]);
  assert.deepEqual(await collect(reopened.replay(walPosition(60))), []);
  assert.equal(await reopened.append(Buffer.from('next')), 61);
  await reopened.close();
});

test('frames straddling the 1 MiB read chunks, or larger than one, replay intact', async () => {
  const wal = await TableWal.open(dir, { ...SETTINGS, fsync: false, segmentBytes: 64 * 1024 * 1024 });
  const sizes = [700_000, 2_500_000, 300_000, 1024 * 1024 - 10, 5, 1024 * 1024 + 1, 0, 123_456];
  const payloads = sizes.map((n) => randomBytes(n));
  for (const payload of payloads) await wal.append(payload);
  await wal.close();
  const reopened = await TableWal.open(dir, SETTINGS);
  const frames = await collect(reopened.replay(WAL_ORIGIN));
  assert.deepEqual(frames.map((f) => f.payload.length), sizes);
  frames.forEach((f, i) => assert.ok(Buffer.from(f.payload).equals(payloads[i]!), `frame ${i + 1}`));
  await reopened.close();
});

test('appends arriving together share one write and one fdatasync', async () => {
  const durability = countingDurability();
  const wal = await TableWal.open(dir, { ...SETTINGS, groupCommitMs: 5 }, { durability: durability.ops });
  durability.counts.syncData = 0;
  const positions = await Promise.all(Array.from({ length: 200 }, () => wal.append(randomBytes(100))));
  assert.deepEqual(positions, Array.from({ length: 200 }, (_, i) => i + 1));
  assert.equal(durability.counts.syncData, 1);
  assert.equal(wal.stats().groups, 1);
  assert.equal(wal.stats().appends, 200);
  await wal.close();
});

test('while a sync is in flight, new appends wait for the next group; never two syncs at once', async () => {
  const durability = countingDurability();
  const wal = await TableWal.open(dir, SETTINGS, { durability: durability.ops });
  durability.counts.syncData = 0;
  const held = durability.hold();
  const settled: number[] = [];
  const track = (p: Promise<number>) => p.then((seq) => (settled.push(seq), seq));
  const firstGroup = track(wal.append(Buffer.from('a')));
  await held.started;
  const secondGroup = [track(wal.append(Buffer.from('b'))), track(wal.append(Buffer.from('c')))];
  await new Promise((resolve) => setTimeout(resolve, 20)); // well past the 1 ms window
  assert.deepEqual(settled, [], 'nothing is acknowledged before its sync returns');
  assert.equal(durability.counts.syncData, 1, 'the second group waits for the first sync');
  held.release();
  assert.deepEqual(await Promise.all([firstGroup, ...secondGroup]), [1, 2, 3]);
  assert.equal(durability.counts.syncData, 2);
  assert.equal(durability.counts.maxInFlight, 1);
  assert.equal(wal.stats().groups, 2);
  await wal.close();
});

test('reaching groupCommitBytes starts the group without waiting for the window', async (t) => {
  const wal = await TableWal.open(dir, { ...SETTINGS, groupCommitMs: 1000, groupCommitBytes: 4096 });
  mock.timers.enable({ apis: ['setTimeout'] }); // the window never elapses unless ticked
  t.after(() => mock.timers.reset());
  const small = wal.append(randomBytes(100));
  const large = wal.append(randomBytes(5000));
  assert.deepEqual(await Promise.all([small, large]), [1, 2]);
  assert.equal(wal.stats().groups, 1);

  let settled = false;
  const waiting = wal.append(randomBytes(100)).then((seq) => ((settled = true), seq));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(settled, false, 'a small append waits for the window');
  mock.timers.tick(1000);
  assert.equal(await waiting, 3);
  await wal.close();
});

test('segments roll at segmentBytes; truncation deletes only whole segments covered by the position', async () => {
  const settings = { ...SETTINGS, segmentBytes: 1000 };
  const wal = await TableWal.open(dir, settings);
  for (let i = 0; i < 20; i++) await wal.append(randomBytes(300)); // 324-byte frames: 3 per segment
  const segmentFiles = async () => (await readdir(dir)).filter((n) => n.endsWith('.wal')).sort();
  const firsts = (await segmentFiles()).map((n) => Number(n.slice(0, 20)));
  assert.deepEqual(firsts, [1, 4, 7, 10, 13, 16, 19]);
  assert.equal(wal.firstRetained, 1);
  assert.equal(wal.retainedBytes, 7 * 48 + 20 * 324);

  assert.equal(await wal.truncateThrough(walPosition(5)), 1, 'segment 4..6 still holds frame 6');
  assert.equal(wal.retainedBytes, 6 * 48 + 17 * 324);
  assert.deepEqual((await segmentFiles()).map((n) => Number(n.slice(0, 20))), [4, 7, 10, 13, 16, 19]);
  assert.equal(wal.firstRetained, 4);
  assert.equal(await wal.truncateThrough(walPosition(9)), 2);
  assert.equal(wal.firstRetained, 10);
  const replayed = await collect(wal.replay(walPosition(9)));
  assert.deepEqual(replayed.map((f) => f.seq), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  await assert.rejects(collect(wal.replay(walPosition(5))), (e: TributaryError) => {
    return e.kind === 'internal' && /frames 6\.\.9 were already truncated/.test(e.message);
  });

  assert.equal(await wal.truncateThrough(walPosition(20)), 3, 'everything is committed, yet the active segment stays');
  assert.deepEqual(await segmentFiles(), ['00000000000000000019.wal']);
  await assert.rejects(wal.truncateThrough(walPosition(21)), TributaryError);
  await wal.close();

  const reopened = await TableWal.open(dir, settings);
  assert.equal(reopened.lastDurable, 20);
  assert.equal(reopened.firstRetained, 19);
  assert.equal(await reopened.append(randomBytes(10)), 21);
  await reopened.close();
});

test('a new segment\'s directory entry is synced before its first append resolves; so is each deletion', async () => {
  const durability = countingDurability();
  const wal = await TableWal.open(dir, { ...SETTINGS, segmentBytes: 200 }, { durability: durability.ops });
  durability.counts.syncDirectory = 0;
  const dirSyncsWhenResolved = (p: Promise<number>) => p.then(() => durability.counts.syncDirectory);
  assert.equal(await dirSyncsWhenResolved(wal.append(randomBytes(100))), 1, 'segment 1 created');
  assert.equal(await dirSyncsWhenResolved(wal.append(randomBytes(100))), 1, 'same segment');
  assert.equal(await dirSyncsWhenResolved(wal.append(randomBytes(100))), 2, 'segment 3 created');
  assert.equal(await wal.truncateThrough(walPosition(2)), 1);
  assert.equal(durability.counts.syncDirectory, 3);
  await wal.close();
});

test('an I/O error fails the whole group and every later append with unavailable', async () => {
  let failNext = false;
  const durability: DurabilityOps = {
    async syncData(file) {
      if (failNext) throw Object.assign(new Error('injected'), { code: 'EIO' });
      await diskDurability.syncData(file);
    },
    syncDirectory: (d) => diskDurability.syncDirectory(d),
  };
  const wal = await TableWal.open(dir, SETTINGS, { durability });
  assert.equal(await wal.append(Buffer.from('kept')), 1);
  failNext = true;
  const group = await Promise.allSettled([wal.append(Buffer.from('x')), wal.append(Buffer.from('y'))]);
  for (const result of group) {
    assert.equal(result.status, 'rejected');
    assert.ok(result.status === 'rejected' && result.reason instanceof TributaryError);
    assert.equal((result.reason as TributaryError).kind, 'unavailable');
    assert.match((result.reason as TributaryError).message, /EIO/);
  }
  assert.equal(wal.state, 'failed');
  failNext = false;
  await assert.rejects(wal.append(Buffer.from('z')), (e: TributaryError) => e.kind === 'unavailable');
  assert.equal(wal.lastDurable, 1);
  await wal.close();

  const reopened = await TableWal.open(dir, SETTINGS);
  const frames = await collect(reopened.replay(WAL_ORIGIN));
  assert.deepEqual(Buffer.from(frames[0]!.payload).toString(), 'kept');
  await reopened.close();
});

test('close writes what is queued and refuses later appends', async () => {
  const wal = await TableWal.open(dir, { ...SETTINGS, groupCommitMs: 1000 });
  const queued = wal.append(Buffer.from('queued'));
  await wal.close();
  assert.equal(await queued, 1);
  assert.equal(wal.state, 'closed');
  await assert.rejects(wal.append(Buffer.from('late')), (e: TributaryError) => e.kind === 'unavailable');
  const reopened = await TableWal.open(dir, SETTINGS);
  assert.equal(reopened.lastDurable, 1);
  await reopened.close();
});

test('replay yields only what was durable when it started, even while appends continue', async () => {
  const wal = await TableWal.open(dir, SETTINGS);
  for (let i = 0; i < 5; i++) await wal.append(Buffer.from(`frame ${i + 1}`));
  const seen: number[] = [];
  for await (const frame of wal.replay(WAL_ORIGIN)) {
    seen.push(frame.seq);
    await wal.append(Buffer.from('during replay'));
  }
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  assert.equal(wal.lastDurable, 10);
  await wal.close();
});

test('a bad row count is refused without taking a position', async () => {
  const wal = await TableWal.open(dir, { ...SETTINGS, fsync: false });
  await assert.rejects(wal.append(new Uint8Array(0), -1), (e: TributaryError) => e.kind === 'invalid_argument');
  assert.equal(await wal.append(new Uint8Array(0)), 1);
  await wal.close();
});
