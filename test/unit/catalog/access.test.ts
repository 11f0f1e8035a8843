import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessControl, type AccessDecision } from '../../../src/catalog/access.js';
import type { CatalogStore, Principal, Privilege, SecurableType } from '../../../src/catalog/model.js';
import { openSqliteStore } from '../../../src/catalog/sqlite-store.js';
import { TributaryError } from '../../../src/errors.js';
import { cols, principal, tempStore } from './fixtures.js';

const table = { catalog: 'main', schema: 'default', table: 'events' };

async function world(): Promise<{ store: CatalogStore; access: AccessControl; bot: Principal; file: string }> {
  const { store, file } = await tempStore();
  await store.createCatalog('main', { owner: 'admin-id' });
  await store.createSchema('main', 'other', { owner: 'admin-id' });
  for (const [schema, name] of [['default', 'events'], ['default', 'metrics'], ['other', 'events']]) {
    await store.createTable({
      name: { catalog: 'main', schema: schema!, table: name! },
      columns: cols(['id', { kind: 'long' }]),
      owner: 'admin-id',
      storageLocation: `file:///t/${schema}/${name}`,
    });
  }
  return { store, access: new AccessControl(store), bot: await principal(store, 'bot'), file };
}

async function grant(store: CatalogStore, who: Principal, privilege: Privilege, securableType: SecurableType, securableName: string) {
  await store.grant({ principal: who.applicationId, privilege, securableType, securableName });
}

function denied(decision: AccessDecision, reason: string): void {
  assert.deepEqual(decision, { allowed: false, reason });
}

const ALLOWED = { allowed: true };

describe('AccessControl.check', () => {
  it('lets admins do anything, even on objects that do not exist', async () => {
    const { store, access } = await world();
    const admin = await principal(store, 'root', true);
    assert.deepEqual(await access.check(admin, 'MODIFY', { type: 'TABLE', name: 'main.default.events' }), ALLOWED);
    assert.deepEqual(await access.checkTable(admin, { catalog: 'x', schema: 'y', table: 'z' }, 'SELECT'), ALLOWED);
  });

  it('refuses without a grant, naming the principal, privilege and object', async () => {
    const { access, bot } = await world();
    denied(
      await access.check(bot, 'MODIFY', { type: 'TABLE', name: 'main.default.events' }),
      "principal 'bot' lacks MODIFY on table main.default.events",
    );
  });

  it('honours a direct grant for that privilege only, and ALL PRIVILEGES for every one', async () => {
    const { store, access, bot } = await world();
    await grant(store, bot, 'SELECT', 'TABLE', 'main.default.events');
    const events = { type: 'TABLE' as const, name: 'main.default.events' };
    assert.deepEqual(await access.check(bot, 'SELECT', events), ALLOWED);
    denied(await access.check(bot, 'MODIFY', events), "principal 'bot' lacks MODIFY on table main.default.events");
    denied(await access.check(bot, 'SELECT', { type: 'TABLE', name: 'main.default.metrics' }), "principal 'bot' lacks SELECT on table main.default.metrics");
    await grant(store, bot, 'ALL PRIVILEGES', 'TABLE', 'main.default.metrics');
    for (const p of ['SELECT', 'MODIFY'] as const) {
      assert.deepEqual(await access.check(bot, p, { type: 'TABLE', name: 'main.default.metrics' }), ALLOWED);
    }
  });

  it('inherits from the schema to its tables only, and from the catalog to everything in it', async () => {
    const { store, access, bot } = await world();
    await grant(store, bot, 'MODIFY', 'SCHEMA', 'main.default');
    assert.deepEqual(await access.check(bot, 'MODIFY', { type: 'TABLE', name: 'main.default.metrics' }), ALLOWED);
    denied(await access.check(bot, 'MODIFY', { type: 'TABLE', name: 'main.other.events' }), "principal 'bot' lacks MODIFY on table main.other.events");
    await grant(store, bot, 'SELECT', 'CATALOG', 'main');
    assert.deepEqual(await access.check(bot, 'SELECT', { type: 'TABLE', name: 'main.other.events' }), ALLOWED);
    await grant(store, bot, 'USE SCHEMA', 'CATALOG', 'main');
    assert.deepEqual(await access.check(bot, 'USE SCHEMA', { type: 'SCHEMA', name: 'main.other' }), ALLOWED);
    denied(await access.check(bot, 'CREATE TABLE', { type: 'SCHEMA', name: 'main.other' }), "principal 'bot' lacks CREATE TABLE on schema main.other");
  });

  it('does not let a grant on a table leak upwards to its schema or catalog', async () => {
    const { store, access, bot } = await world();
    await grant(store, bot, 'ALL PRIVILEGES', 'TABLE', 'main.default.events');
    denied(await access.check(bot, 'SELECT', { type: 'SCHEMA', name: 'main.default' }), "principal 'bot' lacks SELECT on schema main.default");
    denied(await access.check(bot, 'USE CATALOG', { type: 'CATALOG', name: 'main' }), "principal 'bot' lacks USE CATALOG on catalog main");
  });

  it('normalises securable names and refuses invalid ones', async () => {
    const { store, access, bot } = await world();
    await grant(store, bot, 'SELECT', 'TABLE', 'main.default.events');
    assert.deepEqual(await access.check(bot, 'SELECT', { type: 'TABLE', name: 'MAIN.`Default`.Events' }), ALLOWED);
    await assert.rejects(
      access.check(bot, 'SELECT', { type: 'TABLE', name: 'main.default.../x' }),
      (e: unknown) => e instanceof TributaryError && e.kind === 'invalid_argument',
    );
  });
});

describe('AccessControl.checkTable', () => {
  it('requires USE CATALOG, then USE SCHEMA, then the table privilege, naming what is missing', async () => {
    const { store, access, bot } = await world();
    await grant(store, bot, 'SELECT', 'TABLE', 'main.default.events');
    await grant(store, bot, 'MODIFY', 'TABLE', 'main.default.events');
    denied(await access.checkTable(bot, table, 'MODIFY'), "principal 'bot' lacks USE CATALOG on catalog main");
    await grant(store, bot, 'USE CATALOG', 'CATALOG', 'main');
    denied(await access.checkTable(bot, table, 'MODIFY'), "principal 'bot' lacks USE SCHEMA on schema main.default");
    await grant(store, bot, 'USE SCHEMA', 'SCHEMA', 'main.default');
    assert.deepEqual(await access.checkTable(bot, table, 'MODIFY'), ALLOWED);
    assert.deepEqual(await access.checkTable(bot, table, 'SELECT'), ALLOWED);
    denied(
      await access.checkTable(bot, { ...table, table: 'metrics' }, 'SELECT'),
      "principal 'bot' lacks SELECT on table main.default.metrics",
    );
  });

  it('accepts USE SCHEMA granted on the catalog, and ALL PRIVILEGES on the catalog for everything', async () => {
    const { store, access, bot } = await world();
    await grant(store, bot, 'USE CATALOG', 'CATALOG', 'main');
    await grant(store, bot, 'USE SCHEMA', 'CATALOG', 'main');
    await grant(store, bot, 'SELECT', 'SCHEMA', 'main.other');
    assert.deepEqual(await access.checkTable(bot, { ...table, schema: 'other' }, 'SELECT'), ALLOWED);

    const power = await principal(store, 'power');
    await grant(store, power, 'ALL PRIVILEGES', 'CATALOG', 'main');
    for (const p of ['SELECT', 'MODIFY'] as const) assert.deepEqual(await access.checkTable(power, table, p), ALLOWED);
    assert.deepEqual(await access.checkUsable(power, 'CREATE TABLE', { type: 'SCHEMA', name: 'main.other' }), ALLOWED);
  });

  it('sees grants and revokes made through another connection on the next check', async () => {
    const { store, access, bot, file } = await world();
    const cli = openSqliteStore(file);
    try {
      for (const [p, type, name] of [['USE CATALOG', 'CATALOG', 'main'], ['USE SCHEMA', 'SCHEMA', 'main.default'], ['MODIFY', 'TABLE', 'main.default.events']] as const) {
        await grant(cli, bot, p, type, name);
      }
      assert.deepEqual(await access.checkTable(bot, table, 'MODIFY'), ALLOWED);
      await cli.revoke({ principal: bot.applicationId, privilege: 'MODIFY', securableType: 'TABLE', securableName: 'main.default.events' });
      denied(await access.checkTable(bot, table, 'MODIFY'), "principal 'bot' lacks MODIFY on table main.default.events");
    } finally {
      await cli.close();
    }
    assert.equal((await store.grantsOf(bot.applicationId)).length, 2);
  });
});

describe('ownership', () => {
  it('gives owners every privilege on what they own and what it contains, and nothing outside', async () => {
    const { store, access, bot } = await world();
    await store.createCatalog('team', { owner: bot.applicationId });
    await store.createTable({
      name: { catalog: 'team', schema: 'default', table: 't' },
      columns: cols(['a', { kind: 'int' }]),
      owner: 'someone-else',
      storageLocation: 'file:///t/team/default/t',
    });
    assert.deepEqual(await access.checkTable(bot, { catalog: 'team', schema: 'default', table: 't' }, 'MODIFY'), ALLOWED);
    assert.equal(await access.isOwnerOrAdmin(bot, { type: 'TABLE', name: 'team.default.t' }), true);
    assert.equal(await access.isOwnerOrAdmin(bot, { type: 'TABLE', name: 'main.default.events' }), false);
    denied(await access.checkTable(bot, table, 'SELECT'), "principal 'bot' lacks USE CATALOG on catalog main");
  });
});
