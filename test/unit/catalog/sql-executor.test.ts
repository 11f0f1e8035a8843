import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from '../../../src/catalog/model.js';
import { executeSql, runSql, type SqlContext, type SqlResult } from '../../../src/catalog/sql/executor.js';
import { parseTypeText, typeDdl } from '../../../src/catalog/types.js';
import { openAdminContext, type AdminContext } from '../../../src/cli/admin-context.js';
import { TributaryError } from '../../../src/errors.js';
import { principal, tempDir } from './fixtures.js';

async function setup(): Promise<{ ctx: AdminContext; as: (p: Principal) => SqlContext; admin: SqlContext }> {
  const ctx = await openAdminContext(await tempDir());
  const as = (p: Principal): SqlContext => ({ catalog: ctx.catalog, store: ctx.store, access: ctx.access, principal: p });
  return { ctx, as, admin: as(ctx.admin) };
}

const messages = (results: SqlResult[]) => results.map((r) => r.message);
const rows = async (text: string, ctx: SqlContext) => (await executeSql(text, ctx)).flatMap((r) => r.rows);

async function fails(promise: Promise<unknown>, kind: string, pattern: RegExp, code?: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof TributaryError, String(e));
    assert.equal(e.kind, kind, e.message);
    assert.match(e.message, pattern);
    if (code !== undefined) assert.equal(e.errorCode, code);
    return true;
  });
}

describe('SQL executor as the admin', () => {
  it('creates catalogs, schemas and tables, saying what it did, and resolves short names', async () => {
    const { admin } = await setup();
    const results = await executeSql(
      `CREATE CATALOG sales COMMENT 'team';
       CREATE CATALOG IF NOT EXISTS sales;
       CREATE SCHEMA sales.raw;
       CREATE SCHEMA staging;
       CREATE TABLE events (id BIGINT);
       CREATE TABLE staging.events (id BIGINT);
       CREATE TABLE IF NOT EXISTS main.default.events (other INT)`,
      admin,
    );
    assert.deepEqual(messages(results), [
      'created catalog sales',
      'catalog sales already exists; nothing done',
      'created schema sales.raw',
      'created schema main.staging',
      'created table main.default.events',
      'created table main.staging.events',
      'table main.default.events already exists; nothing done',
    ]);
    assert.deepEqual(results[0], { statement: "CREATE CATALOG sales COMMENT 'team'", columns: [], rows: [], message: 'created catalog sales' });
    assert.deepEqual(await rows('SHOW CATALOGS', admin), [['main'], ['sales']]);
    assert.deepEqual(await rows('SHOW SCHEMAS IN sales', admin), [['default'], ['raw']]);
    assert.deepEqual(await rows('SHOW SCHEMAS', admin), [['default'], ['staging']]);
    assert.deepEqual(await rows('SHOW TABLES', admin), [['default', 'events', 'false']]);
    assert.deepEqual(await rows('SHOW TABLES IN staging', admin), [['staging', 'events', 'false']]);
    assert.deepEqual(await rows('DESCRIBE events', admin), [['id', 'bigint', 'true', '']]);
  });

  it('round-trips every column type, nullability and comment through DESCRIBE TABLE', async () => {
    const { admin } = await setup();
    const types = [
      'STRING', 'VARCHAR(10)', 'BOOLEAN', 'TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'FLOAT', 'DOUBLE', 'DECIMAL(38,18)',
      'DATE', 'TIMESTAMP', 'TIMESTAMP_NTZ', 'BINARY', 'VARIANT', 'ARRAY<BIGINT>', 'MAP<INT, ARRAY<STRING>>',
      "STRUCT<id: BIGINT NOT NULL, `odd-name`: STRING COMMENT 'it''s odd', inner: STRUCT<x: MAP<STRING, DECIMAL(5,2)>>>",
    ];
    const columns = types.map((t, i) => `c${i} ${t}${i % 3 === 0 ? ' NOT NULL' : ''}${i % 4 === 0 ? ` COMMENT 'col ${i}'` : ''}`);
    await executeSql(`CREATE TABLE all_types (${columns.join(',\n')})`, admin);
    const described = await rows('DESCRIBE TABLE main.default.all_types', admin);
    assert.equal(described.length, types.length);
    described.forEach(([name, dataType, nullable, comment], i) => {
      assert.equal(name, `c${i}`);
      assert.deepEqual(parseTypeText(dataType!), parseTypeText(types[i]!), `type of c${i}: ${dataType}`);
      assert.equal(dataType, typeDdl(parseTypeText(types[i]!)));
      assert.equal(nullable, i % 3 === 0 ? 'false' : 'true');
      assert.equal(comment, i % 4 === 0 ? `col ${i}` : '');
    });
    assert.equal(described[17]![1], "struct<id:bigint NOT NULL,`odd-name`:string COMMENT 'it\\'s odd',inner:struct<x:map<string,decimal(5,2)>>>");
  });

  it('shows table details with DESCRIBE TABLE EXTENDED', async () => {
    const { admin, ctx } = await setup();
    await executeSql("CREATE TABLE t (a INT) COMMENT 'about t' TBLPROPERTIES ('delta.appendOnly' = 'true')", admin);
    const details = new Map((await rows('DESCRIBE TABLE EXTENDED t', admin)).map((r) => [r[0], r[1]]));
    const table = await ctx.catalog.getTable({ catalog: 'main', schema: 'default', table: 't' });
    assert.equal(details.get('Location'), table.storageLocation);
    assert.equal(details.get('Table ID'), table.tableId);
    assert.equal(details.get('Owner'), ctx.admin.applicationId);
    assert.equal(details.get('Comment'), 'about t');
    assert.equal(details.get('Table Properties'), '[delta.appendOnly=true]');
    assert.equal(details.get('Provider'), 'delta');
  });

  it('drops with IF EXISTS and CASCADE, and refuses non-empty containers without CASCADE', async () => {
    const { admin } = await setup();
    await executeSql('CREATE SCHEMA raw; CREATE TABLE raw.a (x INT); CREATE TABLE raw.b (x INT)', admin);
    assert.deepEqual(messages(await executeSql('DROP TABLE IF EXISTS raw.nope; DROP TABLE raw.a', admin)), [
      'table main.raw.nope does not exist; nothing done',
      'dropped table main.raw.a',
    ]);
    await fails(executeSql('DROP SCHEMA raw', admin), 'failed_precondition', /CASCADE/, 'SCHEMA_NOT_EMPTY');
    await fails(executeSql('DROP TABLE raw.a', admin), 'not_found', /Table 'main.raw.a' does not exist/, 'TABLE_DOES_NOT_EXIST');
    assert.deepEqual(messages(await executeSql('DROP SCHEMA raw CASCADE', admin)), ['dropped schema main.raw']);
    await fails(executeSql('SHOW TABLES IN raw', admin), 'not_found', /Schema 'main.raw' does not exist/, 'SCHEMA_DOES_NOT_EXIST');
    await executeSql('CREATE CATALOG c; CREATE TABLE c.default.t (x INT)', admin);
    await fails(executeSql('DROP CATALOG c', admin), 'failed_precondition', /DROP CATALOG c CASCADE/, 'CATALOG_NOT_EMPTY');
    await executeSql('DROP CATALOG c CASCADE', admin);
    assert.deepEqual(await rows('SHOW CATALOGS', admin), [['main']]);
  });

  it('grants, shows grants (with inherited ones) and revokes', async () => {
    const { admin, ctx } = await setup();
    const bot = await principal(ctx.store, 'bot');
    await principal(ctx.store, 'other');
    await executeSql(
      `CREATE TABLE air_quality (device_name STRING);
       GRANT USE CATALOG ON CATALOG main TO \`bot\`;
       GRANT USE SCHEMA ON SCHEMA main.default TO \`${bot.applicationId}\`;
       GRANT SELECT, MODIFY ON TABLE main.default.air_quality TO bot;
       GRANT SELECT ON TABLE air_quality TO other`,
      admin,
    );
    assert.deepEqual(await rows('SHOW GRANTS ON TABLE air_quality', admin), [
      ['bot', 'MODIFY', 'TABLE', 'main.default.air_quality'],
      ['bot', 'SELECT', 'TABLE', 'main.default.air_quality'],
      ['other', 'SELECT', 'TABLE', 'main.default.air_quality'],
      ['bot', 'USE SCHEMA', 'SCHEMA', 'main.default'],
      ['bot', 'USE CATALOG', 'CATALOG', 'main'],
    ]);
    assert.deepEqual(await rows('SHOW GRANTS `other` ON TABLE air_quality', admin), [
      ['other', 'SELECT', 'TABLE', 'main.default.air_quality'],
    ]);
    assert.deepEqual(await rows('SHOW GRANTS ON CATALOG main', admin), [['bot', 'USE CATALOG', 'CATALOG', 'main']]);
    assert.deepEqual(await ctx.access.checkTable(bot, { catalog: 'main', schema: 'default', table: 'air_quality' }, 'MODIFY'), { allowed: true });

    assert.deepEqual(messages(await executeSql('REVOKE MODIFY ON TABLE air_quality FROM bot', admin)), [
      "revoked MODIFY on table main.default.air_quality from 'bot'",
    ]);
    assert.equal((await ctx.access.checkTable(bot, { catalog: 'main', schema: 'default', table: 'air_quality' }, 'MODIFY')).allowed, false);
    await executeSql('REVOKE ALL PRIVILEGES ON TABLE air_quality FROM bot', admin);
    assert.deepEqual(await rows('SHOW GRANTS bot ON TABLE air_quality', admin), [
      ['bot', 'USE SCHEMA', 'SCHEMA', 'main.default'],
      ['bot', 'USE CATALOG', 'CATALOG', 'main'],
    ]);
  });

  it('refuses grants to unknown principals, on unknown objects, and of privileges that do not apply', async () => {
    const { admin, ctx } = await setup();
    await principal(ctx.store, 'bot');
    await executeSql('CREATE TABLE t (a INT)', admin);
    await fails(executeSql('GRANT SELECT ON TABLE t TO ghost', admin), 'not_found', /Principal 'ghost' does not exist.*tributary principal create ghost/, 'PRINCIPAL_DOES_NOT_EXIST');
    await fails(executeSql('GRANT SELECT ON TABLE nope TO bot', admin), 'not_found', /main.default.nope/, 'TABLE_DOES_NOT_EXIST');
    await fails(executeSql('GRANT USE CATALOG ON TABLE t TO bot', admin), 'invalid_argument', /USE CATALOG cannot be granted on a table/);
    await fails(executeSql('GRANT SELECT ON CATALOG `a/b` TO bot', admin), 'invalid_argument', /invalid catalog name "a\/b"/);
    assert.deepEqual(await rows('SHOW GRANTS ON TABLE t', admin), []);
  });

  it('refuses invalid names and columns with messages naming them', async () => {
    const { admin } = await setup();
    await fails(executeSql('CREATE TABLE `../x` (a INT)', admin), 'invalid_argument', /invalid table name "..\/x"/);
    await fails(executeSql('CREATE TABLE t (`a b` INT)', admin), 'invalid_argument', /invalid column name "a b"/);
    await fails(executeSql('CREATE TABLE t (a INT, A STRING)', admin), 'invalid_argument', /duplicate column "A"/);
  });
});

describe('SQL executor as a non-admin principal', () => {
  it('needs USE CATALOG, USE SCHEMA and CREATE TABLE to create a table, and then owns it', async () => {
    const { admin, as, ctx } = await setup();
    const bot = await principal(ctx.store, 'bot');
    const botSql = as(bot);
    await fails(executeSql('CREATE CATALOG mine', botSql), 'permission_denied', /may not create catalogs: only admins may/, 'PERMISSION_DENIED');
    await fails(executeSql('CREATE TABLE t (a INT)', botSql), 'permission_denied', /^principal 'bot' lacks USE CATALOG on catalog main$/);
    await executeSql('GRANT USE CATALOG ON CATALOG main TO bot; GRANT USE SCHEMA ON SCHEMA default TO bot', admin);
    await fails(executeSql('CREATE TABLE t (a INT)', botSql), 'permission_denied', /lacks CREATE TABLE on schema main.default/);
    await executeSql('GRANT CREATE TABLE ON SCHEMA default TO bot', admin);
    await executeSql('CREATE TABLE t (a INT)', botSql);
    assert.deepEqual(await rows('DESCRIBE t', botSql), [['a', 'int', 'true', '']]);
    await executeSql('GRANT SELECT ON TABLE t TO bot', botSql);
    assert.deepEqual(await rows('SHOW GRANTS ON t', botSql), [
      ['bot', 'SELECT', 'TABLE', 'main.default.t'],
      ['bot', 'CREATE TABLE', 'SCHEMA', 'main.default'],
      ['bot', 'USE SCHEMA', 'SCHEMA', 'main.default'],
      ['bot', 'USE CATALOG', 'CATALOG', 'main'],
    ]);
    assert.deepEqual(messages(await executeSql('DROP TABLE t', botSql)), ['dropped table main.default.t']);
  });

  it('sees only what it may use, and may not manage what it does not own', async () => {
    const { admin, as, ctx } = await setup();
    const bot = await principal(ctx.store, 'bot');
    const botSql = as(bot);
    await executeSql(
      `CREATE CATALOG hidden; CREATE TABLE visible (a INT); CREATE TABLE secret (a INT);
       GRANT USE CATALOG ON CATALOG main TO bot; GRANT USE SCHEMA ON SCHEMA main.default TO bot;
       GRANT SELECT ON TABLE visible TO bot`,
      admin,
    );
    assert.deepEqual(await rows('SHOW CATALOGS', botSql), [['main']]);
    assert.deepEqual(await rows('SHOW SCHEMAS', botSql), [['default']]);
    assert.deepEqual(await rows('SHOW TABLES', botSql), [['default', 'visible', 'false']]);
    await fails(executeSql('DESCRIBE secret', botSql), 'permission_denied', /lacks SELECT on table main.default.secret/);
    await fails(executeSql('SHOW SCHEMAS IN hidden', botSql), 'permission_denied', /lacks USE CATALOG on catalog hidden/);
    await fails(executeSql('DROP TABLE visible', botSql), 'permission_denied', /may not drop table main.default.visible/);
    await fails(executeSql('GRANT MODIFY ON TABLE visible TO bot', botSql), 'permission_denied', /may not grant privileges on table main.default.visible/);
    await fails(executeSql('SHOW GRANTS ON TABLE visible', botSql), 'permission_denied', /may not show grants on/);
    assert.deepEqual(await rows('SHOW GRANTS bot ON TABLE visible', botSql), [
      ['bot', 'SELECT', 'TABLE', 'main.default.visible'],
      ['bot', 'USE SCHEMA', 'SCHEMA', 'main.default'],
      ['bot', 'USE CATALOG', 'CATALOG', 'main'],
    ]);
  });
});

describe('SQL executor: scripts', () => {
  it('runs nothing when any statement has a syntax error', async () => {
    const { admin, ctx } = await setup();
    await fails(executeSql('CREATE TABLE a (x INT);\nCREATE TABLE b (x INTT)', admin), 'invalid_argument', /^syntax error at line 2, column 19: unknown type 'intt'$/);
    assert.deepEqual(await ctx.catalog.listTables('main', 'default'), []);
  });

  it('stops at the first failing statement, naming it, after yielding the results before it', async () => {
    const { admin, ctx } = await setup();
    const seen: string[] = [];
    await fails(
      (async () => {
        for await (const r of runSql('CREATE TABLE a (x INT); DROP TABLE nope; CREATE TABLE c (x INT)', admin)) seen.push(r.message!);
      })(),
      'not_found',
      /Table 'main.default.nope' does not exist\..* \(statement 2: DROP TABLE nope\)$/,
      'TABLE_DOES_NOT_EXIST',
    );
    assert.deepEqual(seen, ['created table main.default.a']);
    assert.deepEqual((await ctx.catalog.listTables('main', 'default')).map((t) => t.name), ['a']);
  });
});
