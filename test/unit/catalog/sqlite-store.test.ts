import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { TributaryError } from '../../../src/errors.js';
import type { CatalogStore, NewTable } from '../../../src/catalog/model.js';
import { openSqliteStore } from '../../../src/catalog/sqlite-store.js';
import { LATEST_VERSION } from '../../../src/catalog/sqlite-migrations.js';
import { parseTypeText, type Column } from '../../../src/catalog/types.js';
import { cols, principal, tempStore } from './fixtures.js';

async function rejectsWith(promise: Promise<unknown>, kind: string, code: string | undefined, pattern: RegExp) {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof TributaryError, `expected a TributaryError, got ${String(e)}`);
    assert.equal(e.kind, kind);
    assert.equal(e.errorCode, code);
    assert.match(e.message, pattern);
    return true;
  });
}

const t = (catalog: string, schema: string, table: string) => ({ catalog, schema, table });

function newTable(name: ReturnType<typeof t>, columns: Column[] = cols(['id', { kind: 'long' }])): NewTable {
  return {
    name,
    columns,
    owner: 'owner-id',
    storageLocation: `file:///data/tables/${name.catalog}/${name.schema}/${name.table}`,
  };
}

async function seeded(): Promise<CatalogStore> {
  const { store } = await tempStore();
  await store.createCatalog('main', { owner: 'admin' });
  return store;
}

describe('SQLite store: catalogs and schemas', () => {
  it('creates a catalog with a default schema, and lists in name order', async () => {
    const store = await seeded();
    await store.createCatalog('analytics', { owner: 'alice', comment: 'for BI' });
    const info = await store.getCatalog('analytics');
    assert.equal(info?.comment, 'for BI');
    assert.equal(info?.owner, 'alice');
    assert.match(info!.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual((await store.listCatalogs()).map((c) => c.name), ['analytics', 'main']);
    assert.deepEqual((await store.listSchemas('analytics')).map((s) => s.name), ['default']);
    assert.equal(await store.getCatalog('nope'), undefined);
  });

  it('refuses a duplicate catalog unless ifNotExists, which returns the existing one', async () => {
    const store = await seeded();
    const first = await store.getCatalog('main');
    await rejectsWith(store.createCatalog('main', { owner: 'x' }), 'already_exists', 'CATALOG_ALREADY_EXISTS', /'main' already exists/);
    const again = await store.createCatalog('main', { owner: 'x', ifNotExists: true });
    assert.equal(again.id, first!.id);
    assert.equal(again.owner, 'admin');
  });

  it('refuses to drop a catalog holding objects without force, and drops everything with it', async () => {
    const store = await seeded();
    await store.deleteCatalog('main').then(() => store.createCatalog('main', { owner: 'admin' }));
    await store.createSchema('main', 'raw', { owner: 'admin' });
    await rejectsWith(store.deleteCatalog('main'), 'failed_precondition', 'CATALOG_NOT_EMPTY', /DROP CATALOG main CASCADE/);
    await store.deleteSchema('main', 'raw');
    await store.createTable(newTable(t('main', 'default', 'events')));
    await rejectsWith(store.deleteCatalog('main'), 'failed_precondition', 'CATALOG_NOT_EMPTY', /not empty/);
    await store.deleteCatalog('main', { force: true });
    assert.equal(await store.getCatalog('main'), undefined);
    assert.equal(await store.getTable(t('main', 'default', 'events')), undefined);
  });

  it('reports missing catalogs with UC codes, and ifExists makes a drop of one a no-op', async () => {
    const store = await seeded();
    await rejectsWith(store.deleteCatalog('nope'), 'not_found', 'CATALOG_DOES_NOT_EXIST', /Catalog 'nope' does not exist/);
    await store.deleteCatalog('nope', { ifExists: true });
    await rejectsWith(store.createSchema('nope', 's', { owner: 'x' }), 'not_found', 'CATALOG_DOES_NOT_EXIST', /'nope'/);
    await rejectsWith(store.listSchemas('nope'), 'not_found', 'CATALOG_DOES_NOT_EXIST', /'nope'/);
  });

  it('manages schemas: duplicates, missing ones, and non-empty drops', async () => {
    const store = await seeded();
    const raw = await store.createSchema('main', 'raw', { owner: 'bob', comment: 'landing' });
    assert.deepEqual([raw.catalogName, raw.name, raw.comment, raw.owner], ['main', 'raw', 'landing', 'bob']);
    await rejectsWith(store.createSchema('main', 'raw', { owner: 'x' }), 'already_exists', 'SCHEMA_ALREADY_EXISTS', /'main.raw'/);
    assert.equal((await store.createSchema('main', 'raw', { owner: 'x', ifNotExists: true })).id, raw.id);
    await store.createTable(newTable(t('main', 'raw', 'e')));
    await rejectsWith(store.deleteSchema('main', 'raw'), 'failed_precondition', 'SCHEMA_NOT_EMPTY', /CASCADE/);
    await store.deleteSchema('main', 'raw', { force: true });
    assert.equal(await store.getSchema('main', 'raw'), undefined);
    await rejectsWith(store.deleteSchema('main', 'raw'), 'not_found', 'SCHEMA_DOES_NOT_EXIST', /'main.raw'/);
    await store.deleteSchema('main', 'raw', { ifExists: true });
    await store.deleteSchema('other', 'raw', { ifExists: true });
  });
});

describe('SQLite store: tables', () => {
  it('round-trips every column type, nullability and comments', async () => {
    const store = await seeded();
    const types = [
      'string', 'boolean', 'tinyint', 'smallint', 'int', 'bigint', 'float', 'double', 'decimal(38,9)', 'date',
      'timestamp', 'timestamp_ntz', 'binary', 'variant', 'array<string>', 'map<string,bigint>',
      "struct<lat:double NOT NULL,lon:double COMMENT 'east'>",
      'array<struct<a:map<int,array<struct<b:decimal(5,2)>>>>>',
    ];
    const columns: Column[] = types.map((text, position) => ({
      name: `c${position}`,
      type: parseTypeText(text),
      nullable: position % 2 === 0,
      position,
      ...(position === 3 ? { comment: "it's a comment" } : {}),
    }));
    const { table, created } = await store.createTable({ ...newTable(t('main', 'default', 'all_types'), columns), comment: 'every type', properties: { 'delta.appendOnly': 'true' } });
    assert.equal(created, true);
    const read = await store.getTable(t('main', 'default', 'all_types'));
    assert.deepEqual(read, table);
    assert.deepEqual(read!.columns, columns);
    assert.equal(read!.fullName, 'main.default.all_types');
    assert.equal(read!.comment, 'every type');
    assert.deepEqual(read!.properties, { 'delta.appendOnly': 'true' });
    assert.equal(read!.storageLocation, 'file:///data/tables/main/default/all_types');
    assert.equal(read!.createdBy, 'owner-id');
  });

  it('refuses duplicates and missing containers with UC codes', async () => {
    const store = await seeded();
    await store.createTable(newTable(t('main', 'default', 'e')));
    await rejectsWith(store.createTable(newTable(t('main', 'default', 'e'))), 'already_exists', 'TABLE_ALREADY_EXISTS', /'main.default.e' already exists/);
    const again = await store.createTable(newTable(t('main', 'default', 'e'), cols(['other', { kind: 'int' }])), { ifNotExists: true });
    assert.equal(again.created, false);
    assert.equal(again.table.columns[0]!.name, 'id');
    await rejectsWith(store.createTable(newTable(t('main', 'nope', 'e'))), 'not_found', 'SCHEMA_DOES_NOT_EXIST', /'main.nope'/);
    await rejectsWith(store.createTable(newTable(t('nope', 'default', 'e'))), 'not_found', 'CATALOG_DOES_NOT_EXIST', /'nope'/);
    await rejectsWith(store.listTables('main', 'nope'), 'not_found', 'SCHEMA_DOES_NOT_EXIST', /'main.nope'/);
  });

  it('lists in name order and deletes, returning the dropped table', async () => {
    const store = await seeded();
    for (const name of ['b', 'a', 'c']) await store.createTable(newTable(t('main', 'default', name)));
    assert.deepEqual((await store.listTables('main', 'default')).map((x) => x.name), ['a', 'b', 'c']);
    const dropped = await store.deleteTable(t('main', 'default', 'b'));
    assert.equal(dropped?.fullName, 'main.default.b');
    assert.equal(await store.deleteTable(t('main', 'default', 'b'), { ifExists: true }), undefined);
    await rejectsWith(
      store.deleteTable(t('main', 'default', 'b')),
      'not_found',
      'TABLE_DOES_NOT_EXIST',
      /Table 'main.default.b' does not exist\. Run SHOW TABLES IN main.default/,
    );
  });
});

describe('SQLite store: principals and grants', () => {
  it('finds principals by application id or display name, and manages their secrets', async () => {
    const store = await seeded();
    const bot = await store.createPrincipal('ingest-bot', { secretHash: 'h1' });
    assert.match(bot.applicationId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(bot.admin, false);
    assert.deepEqual(bot.secrets.map((s) => s.hash), ['h1']);
    assert.deepEqual(await store.getPrincipal(bot.applicationId), bot);
    assert.deepEqual(await store.getPrincipal('ingest-bot'), bot);
    assert.equal(await store.getPrincipal('nobody'), undefined);
    await rejectsWith(store.createPrincipal('ingest-bot', { secretHash: 'h' }), 'already_exists', 'RESOURCE_ALREADY_EXISTS', /'ingest-bot'/);

    const second = await store.addSecret(bot.applicationId, 'h2');
    assert.deepEqual((await store.getPrincipal('ingest-bot'))!.secrets.map((s) => s.hash), ['h1', 'h2']);
    await store.removeSecretsExcept(bot.applicationId, second.id);
    assert.deepEqual((await store.getPrincipal('ingest-bot'))!.secrets.map((s) => s.hash), ['h2']);
    await rejectsWith(store.addSecret('nope', 'h'), 'not_found', 'PRINCIPAL_DOES_NOT_EXIST', /'nope'/);

    const admin = await store.createPrincipal('root', { admin: true, secretHash: 'h3' });
    const listed = await store.listPrincipals();
    assert.deepEqual(listed.map((p) => [p.displayName, p.admin, p.secrets.length]), [['ingest-bot', false, 1], ['root', true, 1]]);
    assert.equal(listed[1]!.applicationId, admin.applicationId);
  });

  it('grants only existing privileges that apply, idempotently, and revokes', async () => {
    const store = await seeded();
    const bot = await principal(store, 'bot');
    await store.createTable(newTable(t('main', 'default', 'e')));
    const onTable = { principal: bot.applicationId, securableType: 'TABLE' as const, securableName: 'main.default.e' };
    await store.grant({ ...onTable, privilege: 'SELECT' });
    await store.grant({ ...onTable, privilege: 'SELECT' });
    await store.grant({ ...onTable, privilege: 'MODIFY' });
    await store.grant({ principal: bot.applicationId, securableType: 'CATALOG', securableName: 'main', privilege: 'USE CATALOG' });
    assert.deepEqual((await store.grantsOn('TABLE', 'main.default.e')).map((g) => g.privilege), ['MODIFY', 'SELECT']);
    assert.equal((await store.grantsOf(bot.applicationId)).length, 3);

    await rejectsWith(store.grant({ ...onTable, privilege: 'USE CATALOG' }), 'invalid_argument', undefined, /USE CATALOG cannot be granted on a table/);
    await rejectsWith(store.grant({ ...onTable, securableName: 'main.default.nope', privilege: 'SELECT' }), 'not_found', 'TABLE_DOES_NOT_EXIST', /nope/);
    await rejectsWith(store.grant({ ...onTable, principal: 'ghost', privilege: 'SELECT' }), 'not_found', 'PRINCIPAL_DOES_NOT_EXIST', /ghost/);
    await rejectsWith(
      store.grant({ principal: bot.applicationId, securableType: 'SCHEMA', securableName: 'main.nope', privilege: 'USE SCHEMA' }),
      'not_found',
      'SCHEMA_DOES_NOT_EXIST',
      /main.nope/,
    );

    await store.revoke({ ...onTable, privilege: 'SELECT' });
    await store.revoke({ ...onTable, privilege: 'SELECT' });
    assert.deepEqual((await store.grantsOn('TABLE', 'main.default.e')).map((g) => g.privilege), ['MODIFY']);
  });

  it('reads the grants covering an object: on it and its containers, for that principal only', async () => {
    const store = await seeded();
    const [bot, other] = [await principal(store, 'bot'), await principal(store, 'other')];
    await store.createSchema('main', 'raw', { owner: 'admin' });
    for (const name of ['e', 'f']) await store.createTable(newTable(t('main', 'default', name)));
    await store.createTable(newTable(t('main', 'raw', 'e')));
    const give = (who: typeof bot, securableType: 'CATALOG' | 'SCHEMA' | 'TABLE', securableName: string) =>
      store.grant({ principal: who.applicationId, securableType, securableName, privilege: 'ALL PRIVILEGES' });
    await give(bot, 'CATALOG', 'main');
    await give(bot, 'SCHEMA', 'main.default');
    await give(bot, 'SCHEMA', 'main.raw');
    await give(bot, 'TABLE', 'main.default.e');
    await give(bot, 'TABLE', 'main.default.f');
    await give(bot, 'TABLE', 'main.raw.e');
    await give(other, 'TABLE', 'main.default.e');
    const covering = async (type: 'CATALOG' | 'SCHEMA' | 'TABLE', name: string) =>
      (await store.grantsCovering(bot.applicationId, type, name)).map((g) => g.securableName).sort();
    assert.deepEqual(await covering('TABLE', 'main.default.e'), ['main', 'main.default', 'main.default.e']);
    assert.deepEqual(await covering('SCHEMA', 'main.raw'), ['main', 'main.raw']);
    assert.deepEqual(await covering('CATALOG', 'main'), ['main']);
    assert.deepEqual(await store.grantsCovering('nobody', 'TABLE', 'main.default.e'), []);
  });

  it('forgets grants with the object or principal they name, and only those', async () => {
    const store = await seeded();
    const bot = await principal(store, 'bot');
    // `a_b` must not match `axb` (an unescaped LIKE would treat `_` as a wildcard).
    for (const c of ['a_b', 'axb']) {
      await store.createCatalog(c, { owner: 'admin' });
      await store.createTable(newTable(t(c, 'default', 'e')));
      for (const [securableType, securableName] of [['CATALOG', c], ['SCHEMA', `${c}.default`], ['TABLE', `${c}.default.e`]] as const) {
        await store.grant({ principal: bot.applicationId, securableType, securableName, privilege: 'ALL PRIVILEGES' });
      }
    }
    await store.deleteTable(t('axb', 'default', 'e'));
    assert.equal((await store.grantsOf(bot.applicationId)).length, 5);
    await store.createTable(newTable(t('axb', 'default', 'e')));
    assert.deepEqual(await store.grantsOn('TABLE', 'axb.default.e'), [], 'a re-created table starts without grants');

    await store.deleteCatalog('a_b', { force: true });
    assert.deepEqual((await store.grantsOf(bot.applicationId)).map((g) => g.securableName), ['axb', 'axb.default']);

    await store.deletePrincipal(bot.applicationId);
    assert.deepEqual(await store.grantsOf(bot.applicationId), []);
    await rejectsWith(store.deletePrincipal(bot.applicationId), 'not_found', 'PRINCIPAL_DOES_NOT_EXIST', /does not exist/);
  });
});

describe('SQLite store: the database file', () => {
  it('keeps everything across reopen, with migrations applied once', async () => {
    const { store, file } = await tempStore();
    await store.createCatalog('main', { owner: 'admin' });
    await store.close();
    for (let i = 0; i < 2; i++) {
      const reopened = openSqliteStore(file);
      assert.deepEqual((await reopened.listCatalogs()).map((c) => c.name), ['main']);
      await reopened.close();
    }
    const db = new Database(file, { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT version FROM schema_version').all(), [{ version: LATEST_VERSION }]);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      db.close();
    }
  });

  it('lets two connections (a CLI and a server) see each other’s writes at once', async () => {
    const { store, file } = await tempStore();
    const other = openSqliteStore(file);
    try {
      await store.createCatalog('main', { owner: 'admin' });
      const bot = await principal(other, 'bot');
      await other.grant({ principal: bot.applicationId, securableType: 'CATALOG', securableName: 'main', privilege: 'USE CATALOG' });
      assert.equal((await store.grantsOf(bot.applicationId)).length, 1);
      await store.revoke({ principal: bot.applicationId, securableType: 'CATALOG', securableName: 'main', privilege: 'USE CATALOG' });
      assert.equal((await other.grantsOf(bot.applicationId)).length, 0);
    } finally {
      await other.close();
    }
  });

  it('refuses a database written by a newer Tributary', async () => {
    const { store, file } = await tempStore();
    await store.close();
    const db = new Database(file);
    db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(LATEST_VERSION + 1, Date.now());
    db.close();
    assert.throws(
      () => openSqliteStore(file),
      (e: unknown) => e instanceof TributaryError && e.kind === 'failed_precondition' && /newer than this Tributary/.test(e.message),
    );
  });
});
