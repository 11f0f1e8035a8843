import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifySecret } from '../../src/auth/secrets.js';
import type { CatalogStore, Principal } from '../../src/catalog/model.js';
import { openSqliteStore } from '../../src/catalog/sqlite-store.js';
import { dataPaths } from '../../src/server/config.js';
import { parseTables, runCli } from './cli-helpers.js';

const CREDENTIALS = /^client_id: ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\nclient_secret: (tbs_[A-Za-z0-9_-]{43})\n$/;

async function verifiesWith(p: Principal | undefined, secret: string): Promise<boolean> {
  for (const s of p?.secrets ?? []) if (await verifySecret(secret, s.hash)) return true;
  return false;
}

describe('tributary principal (the real CLI)', () => {
  let dir: string;
  /** Opened after the first CLI run created the database; held open as a running server would. */
  let store: CatalogStore;
  let clientId = '';
  let firstSecret = '';

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-cli-principal-'));
  });
  after(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a principal, printing exactly its client id and secret; only a hash is stored', async () => {
    const run = await runCli(['principal', 'create', 'ingest-bot', '--data-dir', dir]);
    assert.equal(run.code, 0, run.stderr);
    const m = CREDENTIALS.exec(run.stdout);
    assert.ok(m, run.stdout);
    [, clientId, firstSecret] = m as unknown as [string, string, string];
    store = openSqliteStore(dataPaths(dir).catalogDb);
    const stored = await store.getPrincipal(clientId);
    assert.equal(stored?.displayName, 'ingest-bot');
    assert.equal(stored?.admin, false);
    assert.equal(stored?.secrets.length, 1);
    assert.notEqual(stored?.secrets[0]?.hash, firstSecret);
    assert.equal(await verifiesWith(stored, firstSecret), true);
  });

  it('refuses a duplicate or invalid name with exit code 1', async () => {
    const dup = await runCli(['principal', 'create', 'ingest-bot', '--data-dir', dir]);
    assert.equal(dup.code, 1);
    assert.equal(dup.stdout, '');
    assert.equal(dup.stderr, "error: Principal 'ingest-bot' already exists.\n");
    const bad = await runCli(['principal', 'create', 'bad\u0007name', '--data-dir', dir]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: invalid principal name "bad\\u0007name": control characters are not allowed\n$/);
  });

  it('lists principals without their secrets', async () => {
    const run = await runCli(['principal', 'list', '--data-dir', dir]);
    assert.equal(run.code, 0, run.stderr);
    const [table] = parseTables(run.stdout);
    assert.deepEqual(table!.columns, ['client_id', 'name', 'admin', 'secrets', 'created']);
    assert.deepEqual(
      table!.rows.map(([id, name, admin, secrets]) => [id === clientId, name, admin, secrets]),
      [
        [false, 'admin', 'yes', '1'],
        [true, 'ingest-bot', 'no', '1'],
      ],
    );
    assert.ok(!run.stdout.includes('tbs_'));
  });

  it('rotates the secret: the new one works at once, the old one no longer does', async () => {
    const run = await runCli(['principal', 'rotate-secret', 'ingest-bot', '--data-dir', dir]);
    assert.equal(run.code, 0, run.stderr);
    const m = CREDENTIALS.exec(run.stdout);
    assert.ok(m, run.stdout);
    assert.equal(m[1], clientId);
    const newSecret = m[2]!;
    assert.notEqual(newSecret, firstSecret);
    const stored = await store.getPrincipal(clientId);
    assert.equal(stored?.secrets.length, 1);
    assert.equal(await verifiesWith(stored, newSecret), true);
    assert.equal(await verifiesWith(stored, firstSecret), false);

    const unknown = await runCli(['principal', 'rotate-secret', 'ghost', '--data-dir', dir]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, "error: Principal 'ghost' does not exist.\n");
  });

  it('deletes a principal with its grants', async () => {
    await store.grant({ principal: clientId, securableType: 'CATALOG', securableName: 'main', privilege: 'USE CATALOG' });
    const run = await runCli(['principal', 'delete', clientId, '--data-dir', dir]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `deleted principal ingest-bot (${clientId})\n`);
    assert.equal(await store.getPrincipal(clientId), undefined);
    assert.deepEqual(await store.grantsOf(clientId), []);
  });
});
