import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TABLE, plainToken, startFixture, type Fixture } from './http-fixture.js';

const UC = '/api/2.1/unity-catalog';

describe('Unity Catalog REST API', () => {
  let f: Fixture;
  let admin: Record<string, string>;
  let producer: Record<string, string>;
  let reader: Record<string, string>;
  const json = (headers: Record<string, string>) => ({ ...headers, 'content-type': 'application/json' });

  before(async () => {
    f = await startFixture();
    admin = { authorization: `Bearer ${await plainToken(f, f.admin)}` };
    producer = { authorization: `Bearer ${await plainToken(f, f.producer)}` };
    reader = { authorization: `Bearer ${await plainToken(f, f.reader)}` };
  });
  after(async () => {
    await f.close();
  });

  it('returns TableInfo and ColumnInfo in the Unity Catalog shape', async () => {
    const answer = await f.request('GET', `${UC}/tables/${TABLE}`, { headers: producer });
    assert.equal(answer.status, 200, answer.text);
    const t = answer.json!;
    assert.equal(t.name, 'air_quality');
    assert.equal(t.catalog_name, 'main');
    assert.equal(t.schema_name, 'default');
    assert.equal(t.table_type, 'MANAGED');
    assert.equal(t.data_source_format, 'DELTA');
    assert.match(t.storage_location as string, /^file:\/\/.*\/tables\/main\/default\/air_quality$/);
    assert.match(t.table_id as string, /^[0-9a-f-]{36}$/);
    assert.equal(t.owner, f.admin.clientId);
    assert.equal(typeof t.created_at, 'number');
    assert.ok((t.created_at as number) > 1.6e12, 'created_at is in epoch milliseconds');
    const columns = t.columns as Record<string, unknown>[];
    assert.deepEqual(columns[1], {
      name: 'temp',
      type_text: 'int',
      type_name: 'INT',
      type_json: '{"name":"temp","type":"integer","nullable":false,"metadata":{"comment":"celsius"}}',
      type_precision: 0,
      type_scale: 0,
      position: 1,
      nullable: false,
      comment: 'celsius',
    });
    assert.equal(columns[2]!.type_name, 'LONG');
    assert.equal(columns[2]!.type_text, 'bigint');
    assert.equal(JSON.parse(columns[2]!.type_json as string).type, 'long');
    assert.deepEqual([columns[3]!.type_name, columns[3]!.type_precision, columns[3]!.type_scale], ['DECIMAL', 10, 2]);
    assert.equal(columns[3]!.type_json, '{"name":"price","type":"decimal(10,2)","nullable":true,"metadata":{}}');
    assert.equal(columns[4]!.type_text, 'struct<lat:double,lon:double>');
    assert.equal(
      columns[4]!.type_json,
      '{"name":"loc","type":{"type":"struct","fields":[{"name":"lat","type":"double","nullable":true,"metadata":{}},' +
        '{"name":"lon","type":"double","nullable":true,"metadata":{}}]},"nullable":true,"metadata":{}}',
    );
  });

  it('answers 404 with the UC error code for missing objects', async () => {
    const table = await f.request('GET', `${UC}/tables/main.default.nope`, { headers: admin });
    assert.equal(table.status, 404);
    assert.equal(table.json!.error_code, 'TABLE_DOES_NOT_EXIST');
    assert.match(table.json!.message as string, /main\.default\.nope/);
    const schema = await f.request('GET', `${UC}/tables/main.nope.t`, { headers: admin });
    assert.equal(schema.json!.error_code, 'SCHEMA_DOES_NOT_EXIST');
    const catalog = await f.request('GET', `${UC}/catalogs/nope`, { headers: admin });
    assert.equal(catalog.json!.error_code, 'CATALOG_DOES_NOT_EXIST');
  });

  it('creates tables from type_text or type_json and refuses what it cannot honour', async () => {
    const body = {
      name: 'Events',
      catalog_name: 'main',
      schema_name: 'default',
      table_type: 'MANAGED',
      data_source_format: 'DELTA',
      columns: [
        { name: 'id', type_text: 'bigint', type_name: 'LONG', nullable: false, position: 0 },
        { name: 'tags', type_json: '{"name":"tags","type":{"type":"array","elementType":"string","containsNull":false},"nullable":true,"metadata":{}}', position: 2 },
        { name: 'amount', type_text: 'DECIMAL(12,3)', type_precision: 12, type_scale: 3, position: 1, comment: 'eur' },
      ],
    };
    const created = await f.request('POST', `${UC}/tables`, { headers: json(admin), body: JSON.stringify(body) });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.json!.full_name, 'main.default.events');
    const columns = created.json!.columns as Record<string, unknown>[];
    assert.deepEqual(columns.map((c) => [c.name, c.type_text, c.position, c.nullable]), [
      ['id', 'bigint', 0, false],
      ['amount', 'decimal(12,3)', 1, true],
      ['tags', 'array<string>', 2, true],
    ]);
    assert.equal(JSON.parse(columns[2]!.type_json as string).type.containsNull, false);

    const again = await f.request('POST', `${UC}/tables`, { headers: json(admin), body: JSON.stringify(body) });
    assert.equal(again.status, 409);
    assert.equal(again.json!.error_code, 'TABLE_ALREADY_EXISTS');

    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ ...body, name: 'x1', storage_location: 's3://elsewhere/x' }, /storage_location cannot be chosen/],
      [{ ...body, name: 'x2', table_type: 'EXTERNAL' }, /only MANAGED/],
      [{ ...body, name: 'x3', columns: [{ name: 'a', type_text: 'bigint', type_name: 'INT' }] }, /type_name "INT" does not match/],
      [{ ...body, name: 'x4', columns: [{ name: 'a', type_text: 'integer(' }] }, /column "a": type_text "integer\(" is not a valid type/],
      [{ ...body, name: 'x5', columns: [{ name: 'a' }] }, /give its type as type_text/],
      [{ ...body, name: 'x6', columns: [{ name: 'a', type_text: 'int', type_json: '{"name":"a","type":"long","nullable":true,"metadata":{}}' }] }, /disagree/],
      [{ ...body, name: 'bad-name' }, /invalid table name "bad-name"/],
      [{ ...body, name: 'x7', columns: [] }, /at least one column/],
    ];
    for (const [bad, message] of refusals) {
      const answer = await f.request('POST', `${UC}/tables`, { headers: json(admin), body: JSON.stringify(bad) });
      assert.equal(answer.status, 400, `${bad.name as string}: ${answer.text}`);
      assert.equal(answer.json!.error_code, 'INVALID_PARAMETER_VALUE');
      assert.match(answer.json!.message as string, message);
    }
  });

  it('lets only holders of CREATE TABLE create tables, and only owners delete them', async () => {
    const body = JSON.stringify({ name: 'mine', catalog_name: 'main', schema_name: 'default', columns: [{ name: 'a', type_text: 'int' }] });
    const refused = await f.request('POST', `${UC}/tables`, { headers: json(producer), body });
    assert.equal(refused.status, 403);
    assert.match(refused.json!.message as string, /lacks CREATE TABLE on schema main\.default/);

    const grant = await f.request('PATCH', `${UC}/permissions/schema/main.default`, {
      headers: json(admin),
      body: JSON.stringify({ changes: [{ principal: 'producer', add: ['CREATE_TABLE'] }] }),
    });
    assert.equal(grant.status, 200, grant.text);
    const created = await f.request('POST', `${UC}/tables`, { headers: json(producer), body });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.json!.owner, f.producer.clientId);

    const notOwner = await f.request('DELETE', `${UC}/tables/main.default.mine`, { headers: reader });
    assert.equal(notOwner.status, 403);
    const deleted = await f.request('DELETE', `${UC}/tables/main.default.mine`, { headers: producer });
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.json, {});
    assert.equal((await f.request('GET', `${UC}/tables/main.default.mine`, { headers: admin })).status, 404);
  });

  it('lists tables a page at a time, showing only those the principal may read', async () => {
    for (const name of ['t_a', 't_b', 't_c']) {
      const body = JSON.stringify({ name, catalog_name: 'main', schema_name: 'default', columns: [{ name: 'a', type_text: 'int' }] });
      assert.equal((await f.request('POST', `${UC}/tables`, { headers: json(admin), body })).status, 200);
    }
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const query = `catalog_name=main&schema_name=default&max_results=2${token ? `&page_token=${token}` : ''}`;
      const page = await f.request('GET', `${UC}/tables?${query}`, { headers: admin });
      assert.equal(page.status, 200, page.text);
      const tables = page.json!.tables as { name: string }[];
      assert.ok(tables.length <= 2);
      names.push(...tables.map((t) => t.name));
      token = page.json!.next_page_token as string | undefined;
      pages++;
    } while (token);
    const all = await f.request('GET', `${UC}/tables?catalog_name=main&schema_name=default`, { headers: admin });
    const everything = (all.json!.tables as { name: string }[]).map((t) => t.name);
    assert.deepEqual(names, everything);
    assert.ok(everything.includes('t_b') && everything.includes('air_quality'));
    assert.equal(pages, Math.ceil(everything.length / 2));
    assert.equal(all.json!.next_page_token, undefined);

    const mine = await f.request('GET', `${UC}/tables?catalog_name=main&schema_name=default`, { headers: reader });
    assert.deepEqual((mine.json!.tables as { name: string }[]).map((t) => t.name), ['air_quality']);

    for (const bad of ['max_results=-1', 'max_results=abc', 'page_token=%2F%2F%2F']) {
      const answer = await f.request('GET', `${UC}/tables?catalog_name=main&schema_name=default&${bad}`, { headers: admin });
      assert.equal(answer.status, 400, bad);
    }
    const missing = await f.request('GET', `${UC}/tables?catalog_name=main`, { headers: admin });
    assert.match(missing.json!.message as string, /schema_name is required/);
  });

  it('manages catalogs and schemas, with creation of catalogs reserved to admins', async () => {
    const post = (headers: Record<string, string>, path: string, body: unknown) =>
      f.request('POST', `${UC}${path}`, { headers: json(headers), body: JSON.stringify(body) });
    assert.equal((await post(producer, '/catalogs', { name: 'sales' })).status, 403);
    const catalog = await post(admin, '/catalogs', { name: 'sales', comment: 'money' });
    assert.equal(catalog.status, 200, catalog.text);
    assert.equal(catalog.json!.name, 'sales');
    assert.equal(catalog.json!.comment, 'money');
    assert.equal((await post(admin, '/catalogs', { name: 'sales' })).json!.error_code, 'CATALOG_ALREADY_EXISTS');

    const schema = await post(admin, '/schemas', { name: 'raw', catalog_name: 'sales' });
    assert.equal(schema.status, 200, schema.text);
    assert.equal(schema.json!.full_name, 'sales.raw');
    assert.equal((await f.request('GET', `${UC}/schemas/sales.raw`, { headers: admin })).json!.name, 'raw');
    const schemas = await f.request('GET', `${UC}/schemas?catalog_name=sales`, { headers: admin });
    assert.deepEqual((schemas.json!.schemas as { name: string }[]).map((s) => s.name).sort(), ['default', 'raw']);

    const visible = await f.request('GET', `${UC}/catalogs`, { headers: producer });
    assert.deepEqual((visible.json!.catalogs as { name: string }[]).map((c) => c.name), ['main']);
    assert.equal((await f.request('GET', `${UC}/catalogs/sales`, { headers: producer })).status, 403);

    assert.equal((await f.request('DELETE', `${UC}/schemas/sales.raw`, { headers: admin })).status, 200);
    assert.equal((await f.request('DELETE', `${UC}/catalogs/sales?force=true`, { headers: admin })).status, 200);
    assert.equal((await f.request('GET', `${UC}/catalogs/sales`, { headers: admin })).status, 404);
  });

  it('reads and changes permissions, owners and admins only', async () => {
    const path = `${UC}/permissions/table/${TABLE}`;
    const all = await f.request('GET', path, { headers: admin });
    assert.equal(all.status, 200, all.text);
    const assignments = all.json!.privilege_assignments as { principal: string; privileges: string[] }[];
    const producerRow = assignments.find((a) => a.principal === f.producer.clientId);
    assert.deepEqual(producerRow?.privileges.sort(), ['MODIFY', 'SELECT']);

    const own = await f.request('GET', path, { headers: reader });
    assert.deepEqual(own.json!.privilege_assignments, [{ principal: f.reader.clientId, privileges: ['SELECT'] }]);

    const change = (headers: Record<string, string>, changes: unknown) =>
      f.request('PATCH', path, { headers: json(headers), body: JSON.stringify({ changes }) });
    assert.equal((await change(reader, [{ principal: 'reader', add: ['MODIFY'] }])).status, 403);
    const added = await change(admin, [{ principal: f.reader.clientId, add: ['MODIFY'] }]);
    assert.equal(added.status, 200, added.text);
    const readerRow = (added.json!.privilege_assignments as { principal: string; privileges: string[] }[]).find(
      (a) => a.principal === f.reader.clientId,
    );
    assert.deepEqual(readerRow?.privileges.sort(), ['MODIFY', 'SELECT']);
    assert.equal((await change(admin, [{ principal: 'reader', remove: ['MODIFY'] }])).status, 200);

    const wrongPlace = await change(admin, [{ principal: 'reader', add: ['USE_CATALOG'] }]);
    assert.equal(wrongPlace.status, 400);
    assert.match(wrongPlace.json!.message as string, /cannot be granted on a table/);
    const nobody = await change(admin, [{ principal: 'nobody', add: ['SELECT'] }]);
    assert.equal(nobody.status, 404);
    const atomic = await change(admin, [
      { principal: 'reader', add: ['MODIFY'] },
      { principal: 'reader', add: ['FLY'] },
    ]);
    assert.equal(atomic.status, 400);
    const unchanged = await f.request('GET', path, { headers: reader });
    assert.deepEqual(unchanged.json!.privilege_assignments, [{ principal: f.reader.clientId, privileges: ['SELECT'] }]);

    const kind = await f.request('GET', `${UC}/permissions/volume/${TABLE}`, { headers: admin });
    assert.equal(kind.status, 400);
  });
});
