import assert from 'node:assert/strict';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Catalog, tableLocation, type TableStorage } from '../../../src/catalog/catalog.js';
import type { TableInfo } from '../../../src/catalog/model.js';
import { TributaryError } from '../../../src/errors.js';
import { cols, tempStore } from './fixtures.js';

/** Storage that really creates and removes the table directory, and remembers what it was asked. */
class DirectoryStorage implements TableStorage {
  readonly created: string[] = [];
  readonly dropped: string[] = [];
  failNextCreate = false;

  async create(table: TableInfo): Promise<void> {
    if (this.failNextCreate) {
      this.failNextCreate = false;
      throw new TributaryError('unavailable', 'disk full');
    }
    const dir = fileURLToPath(table.storageLocation);
    await mkdir(path.join(dir, '_delta_log'), { recursive: true });
    await writeFile(path.join(dir, '_delta_log', '00000000000000000000.json'), table.tableId);
    this.created.push(table.fullName);
  }

  async drop(table: TableInfo): Promise<void> {
    await rm(fileURLToPath(table.storageLocation), { recursive: true, force: true });
    this.dropped.push(table.fullName);
  }
}

async function setup() {
  const { store, dir } = await tempStore();
  const storage = new DirectoryStorage();
  const tablesDir = path.join(dir, 'tables');
  const catalog = new Catalog(store, { tablesDir, storage });
  await catalog.ensureDefaults('admin-id');
  return { store, storage, catalog, tablesDir };
}

const exists = (url: string) => access(fileURLToPath(url)).then(() => true, () => false);
const columns = cols(['id', { kind: 'long' }]);

async function fails(promise: Promise<unknown>, kind: string, pattern: RegExp, code?: string) {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof TributaryError, String(e));
    assert.equal(e.kind, kind);
    assert.match(e.message, pattern);
    if (code !== undefined) assert.equal(e.errorCode, code);
    return true;
  });
}

describe('Catalog', () => {
  it('creates main.default once, however often ensureDefaults runs', async () => {
    const { catalog } = await setup();
    await catalog.ensureDefaults('someone-else');
    const main = await catalog.getCatalog('main');
    assert.equal(main.owner, 'admin-id');
    assert.deepEqual((await catalog.listSchemas('main')).map((s) => s.name), ['default']);
  });

  it('normalises names and places the table under tablesDir/<catalog>/<schema>/<table>', async () => {
    const { catalog, storage, tablesDir } = await setup();
    const { table, created } = await catalog.createTable({
      name: { catalog: 'MAIN', schema: 'Default', table: 'Air_Quality' },
      columns,
      owner: 'admin-id',
    });
    assert.equal(created, true);
    assert.equal(table.fullName, 'main.default.air_quality');
    assert.equal(table.storageLocation, pathToFileURL(path.join(tablesDir, 'main', 'default', 'air_quality')).href);
    assert.ok(table.storageLocation.startsWith('file:///'));
    assert.deepEqual(storage.created, ['main.default.air_quality']);
    assert.ok(await exists(table.storageLocation));
    assert.deepEqual(await catalog.getTable({ catalog: 'Main', schema: 'DEFAULT', table: 'AIR_QUALITY' }), table);
  });

  it('leaves storage alone when IF NOT EXISTS finds the table', async () => {
    const { catalog, storage } = await setup();
    const name = { catalog: 'main', schema: 'default', table: 't' };
    await catalog.createTable({ name, columns, owner: 'a' });
    const again = await catalog.createTable({ name, columns: cols(['x', { kind: 'int' }]), owner: 'b' }, { ifNotExists: true });
    assert.equal(again.created, false);
    assert.equal(again.table.owner, 'a');
    assert.deepEqual(storage.created, ['main.default.t']);
  });

  it('forgets the table again when its storage cannot be created', async () => {
    const { catalog, storage } = await setup();
    const name = { catalog: 'main', schema: 'default', table: 't' };
    storage.failNextCreate = true;
    await fails(catalog.createTable({ name, columns, owner: 'a' }), 'unavailable', /disk full/);
    assert.equal(await catalog.findTable(name), undefined);
    await catalog.createTable({ name, columns, owner: 'a' });
    assert.deepEqual(storage.created, ['main.default.t']);
  });

  it('drops storage with the table, and with CASCADE drops of its schema or catalog', async () => {
    const { catalog, storage } = await setup();
    await catalog.createCatalog('c', { owner: 'a' });
    await catalog.createSchema('c', 's', { owner: 'a' });
    const made: TableInfo[] = [];
    for (const [schema, table] of [['default', 't1'], ['s', 't2'], ['s', 't3']] as const) {
      made.push((await catalog.createTable({ name: { catalog: 'c', schema, table }, columns, owner: 'a' })).table);
    }
    assert.equal((await catalog.deleteTable({ catalog: 'c', schema: 'default', table: 't1' }))?.fullName, 'c.default.t1');
    await catalog.deleteSchema('c', 's', { force: true });
    assert.deepEqual(storage.dropped, ['c.default.t1', 'c.s.t2', 'c.s.t3']);
    await catalog.createTable({ name: { catalog: 'c', schema: 'default', table: 't4' }, columns, owner: 'a' });
    await catalog.deleteCatalog('c', { force: true });
    assert.deepEqual(storage.dropped, ['c.default.t1', 'c.s.t2', 'c.s.t3', 'c.default.t4']);
    for (const t of made) assert.equal(await exists(t.storageLocation), false);
    await catalog.deleteCatalog('c', { force: true, ifExists: true });
    assert.equal(await catalog.deleteTable({ catalog: 'main', schema: 'default', table: 'nope' }, { ifExists: true }), undefined);
  });

  it('names the innermost missing object', async () => {
    const { catalog } = await setup();
    await fails(catalog.getTable({ catalog: 'nope', schema: 'default', table: 't' }), 'not_found', /Catalog 'nope'/, 'CATALOG_DOES_NOT_EXIST');
    await fails(catalog.getTable({ catalog: 'main', schema: 'nope', table: 't' }), 'not_found', /Schema 'main.nope'/, 'SCHEMA_DOES_NOT_EXIST');
    await fails(catalog.getTable({ catalog: 'main', schema: 'default', table: 't' }), 'not_found', /Table 'main.default.t'/, 'TABLE_DOES_NOT_EXIST');
    await fails(
      catalog.createTable({ name: { catalog: 'main', schema: 'nope', table: 't' }, columns, owner: 'a' }),
      'not_found',
      /Schema 'main.nope' does not exist/,
      'SCHEMA_DOES_NOT_EXIST',
    );
    await fails(catalog.getSchema('main', 'nope'), 'not_found', /'main.nope'/, 'SCHEMA_DOES_NOT_EXIST');
    await fails(catalog.getSchema('nope', 'x'), 'not_found', /'nope'/, 'CATALOG_DOES_NOT_EXIST');
  });

  it('validates names, columns and properties before touching the store or storage', async () => {
    const { catalog, storage } = await setup();
    const ok = { catalog: 'main', schema: 'default', table: 't' };
    await fails(catalog.createTable({ name: { ...ok, table: '../../etc' }, columns, owner: 'a' }), 'invalid_argument', /invalid table name/);
    await fails(catalog.createTable({ name: { ...ok, schema: 'a/b' }, columns, owner: 'a' }), 'invalid_argument', /invalid schema name/);
    await fails(catalog.createTable({ name: ok, columns: [], owner: 'a' }), 'invalid_argument', /at least one column/);
    await fails(catalog.createTable({ name: ok, columns: cols(['a,b', { kind: 'int' }]), owner: 'a' }), 'invalid_argument', /invalid column name "a,b"/);
    await fails(catalog.createTable({ name: ok, columns, owner: 'a', properties: { '': 'x' } }), 'invalid_argument', /property key/);
    await fails(catalog.createCatalog('no way', { owner: 'a' }), 'invalid_argument', /invalid catalog name "no way"/);
    assert.deepEqual(storage.created, []);
  });
});

describe('tableLocation', () => {
  it('refuses a location outside the tables directory even for unvalidated names', () => {
    for (const name of [
      { catalog: '..', schema: '..', table: '..' },
      { catalog: '.', schema: '.', table: '.' },
      { catalog: '/etc', schema: 'x', table: 'y' },
    ]) {
      assert.throws(() => tableLocation('/data/tables', name), /escapes the tables directory/);
    }
    assert.equal(tableLocation('/data/tables', { catalog: 'c', schema: 's', table: 't' }), 'file:///data/tables/c/s/t');
  });
});
