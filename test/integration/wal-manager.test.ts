/**
 * WalManager: one WAL per table id under `<dataDir>/wal/`, opened lazily, and only for real table ids.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { access, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { TributaryError } from '../../src/errors.js';
import { dataPaths, type WalSettings } from '../../src/server/config.js';
import { WalManager } from '../../src/wal/index.js';

const SETTINGS: WalSettings = {
  groupCommitMs: 1,
  groupCommitBytes: 1024 * 1024,
  segmentBytes: 1024 * 1024,
  fsync: false,
};

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'wal-manager-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

test('opens one WAL per table under the data directory, lazily, shared by concurrent callers', async () => {
  const manager = WalManager.forDataDir(dataDir, SETTINGS);
  assert.deepEqual(await manager.tableIds(), []);
  const table = randomUUID();
  const [a, b] = await Promise.all([manager.get(table), manager.get(table.toUpperCase())]);
  assert.equal(a, b);
  assert.equal(a.dir, path.join(dataPaths(dataDir).wal, table));
  const other = await manager.get(randomUUID());
  assert.notEqual(other.walId, a.walId);
  assert.equal(await a.append(Buffer.from('x')), 1);
  assert.deepEqual(await manager.tableIds(), [table, path.basename(other.dir)].sort());
  await manager.closeAll();
  assert.equal(a.state, 'closed');
  await assert.rejects(manager.get(table), (e: TributaryError) => e.kind === 'unavailable');

  const again = WalManager.forDataDir(dataDir, SETTINGS);
  assert.equal((await again.get(table)).lastDurable, 1);
  await again.closeAll();
});

test('anything but a table UUID is refused before it reaches a path', async () => {
  const manager = WalManager.forDataDir(dataDir, SETTINGS);
  for (const id of ['..', '../etc', 'main.default.t', `${randomUUID()}/x`, '', `${randomUUID()}\0`]) {
    await assert.rejects(manager.get(id), (e: TributaryError) => e.kind === 'invalid_argument', id);
  }
  assert.deepEqual(await manager.tableIds(), []);
  await manager.closeAll();
});

test('remove closes and deletes a dropped table\'s WAL', async () => {
  const manager = WalManager.forDataDir(dataDir, SETTINGS);
  const table = randomUUID();
  const wal = await manager.get(table);
  await wal.append(Buffer.from('x'));
  await manager.remove(table);
  assert.equal(wal.state, 'closed');
  await assert.rejects(access(wal.dir));
  assert.equal((await manager.get(table)).lastDurable, 0, 'a later get starts a new, empty WAL');
  await manager.closeAll();
});
