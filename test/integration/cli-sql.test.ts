import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AccessControl } from '../../src/catalog/access.js';
import type { CatalogStore } from '../../src/catalog/model.js';
import { openSqliteStore } from '../../src/catalog/sqlite-store.js';
import { parseTypeText } from '../../src/catalog/types.js';
import { dataPaths } from '../../src/server/config.js';
import { parseTables, runCli } from './cli-helpers.js';

const TYPES = [
  'STRING', 'VARCHAR(64)', 'BOOLEAN', 'TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'FLOAT', 'DOUBLE', 'DECIMAL(10,2)',
  'DECIMAL(38,0)', 'DATE', 'TIMESTAMP', 'TIMESTAMP_NTZ', 'BINARY', 'VARIANT', 'ARRAY<STRING>', 'ARRAY<ARRAY<INT>>',
  'MAP<STRING, BIGINT>', 'MAP<INT, STRUCT<a: DATE, b: ARRAY<DECIMAL(5,1)>>>',
  "STRUCT<lat: DOUBLE NOT NULL, lon: DOUBLE COMMENT 'east', tags: MAP<STRING, ARRAY<STRUCT<k: STRING, v: BINARY>>>>",
  `${'ARRAY<'.repeat(40)}TIMESTAMP${'>'.repeat(40)}`,
];

describe('tributary sql (the real CLI)', () => {
  let dir: string;
  let dataDir: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-cli-sql-'));
    dataDir = path.join(dir, 'data');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('creates the data directory and admin on first use, and says so once on stderr', async () => {
    const first = await runCli(['sql', '--data-dir', dataDir, 'SHOW CATALOGS']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /created the admin principal[^\n]*\nclient_id: [0-9a-f-]{36}\nclient_secret: tbs_[\w-]{43}\n/);
    assert.deepEqual(parseTables(first.stdout), [{ columns: ['catalog'], rows: [['main']] }]);
    assert.match(first.stdout, /\(1 row\)\n$/);
    assert.ok((await readdir(dataDir)).includes('catalog.db'));
  });

  it('round-trips DDL of every type through DESCRIBE TABLE, reading SQL from a file', async () => {
    const columns = TYPES.map((t, i) => `  c${i} ${t}${i % 5 === 0 ? ' NOT NULL' : ''}${i === 3 ? " COMMENT 'a tiny one'" : ''}`);
    const file = path.join(dir, 'ddl.sql');
    await writeFile(
      file,
      `-- every type Tributary knows\nCREATE TABLE main.default.all_types (\n${columns.join(',\n')}\n) USING DELTA COMMENT 'all of them';\n` +
        '/* then look at it */ DESCRIBE TABLE main.default.all_types;\n',
    );
    const run = await runCli(['sql', '--data-dir', dataDir, '-f', file]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.ok(run.stdout.startsWith('created table main.default.all_types\n'), run.stdout);
    const [described] = parseTables(run.stdout);
    assert.deepEqual(described!.columns, ['col_name', 'data_type', 'nullable', 'comment']);
    assert.equal(described!.rows.length, TYPES.length);
    described!.rows.forEach(([name, dataType, nullable, comment], i) => {
      assert.equal(name, `c${i}`);
      assert.deepEqual(parseTypeText(dataType!), parseTypeText(TYPES[i]!), `c${i}: ${dataType}`);
      assert.equal(nullable, i % 5 === 0 ? 'false' : 'true');
      assert.equal(comment, i === 3 ? 'a tiny one' : '');
    });
    assert.equal(described!.rows[1]![1], 'string', 'VARCHAR(n) is a STRING');
    assert.equal(described!.rows[6]![1], 'bigint');

    // The CLI created the Delta table too: version 0 with the same schema, where the catalog says.
    const log = path.join(dataPaths(dataDir).tables, 'main', 'default', 'all_types', '_delta_log');
    const version0 = (await readFile(path.join(log, '00000000000000000000.json'), 'utf8')).split('\n');
    const metaData = version0.map((line) => (line ? JSON.parse(line) : {})).find((a) => 'metaData' in a)?.metaData;
    const schema = JSON.parse(metaData.schemaString) as { fields: { name: string; nullable: boolean }[] };
    assert.deepEqual(schema.fields.map((f) => [f.name, f.nullable]), TYPES.map((_, i) => [`c${i}`, i % 5 !== 0]));
  });

  it('grants, shows grants and revokes, visible at once to a process holding the catalog open', async () => {
    // The test process plays the running server: its own connection, checking grants on each request.
    const server: CatalogStore = openSqliteStore(dataPaths(dataDir).catalogDb);
    try {
      const access = new AccessControl(server);
      const bot = await server.createPrincipal('ingest-bot', { secretHash: '$scrypt$unused' });
      const table = { catalog: 'main', schema: 'default', table: 'all_types' };
      assert.equal((await access.checkTable(bot, table, 'MODIFY')).allowed, false);

      const granted = await runCli([
        'sql',
        '--data-dir',
        dataDir,
        `GRANT USE CATALOG ON CATALOG main TO \`ingest-bot\`;
         GRANT USE SCHEMA ON SCHEMA main.default TO \`ingest-bot\`;
         GRANT SELECT, MODIFY ON TABLE main.default.all_types TO \`ingest-bot\`;
         SHOW GRANTS \`ingest-bot\` ON TABLE main.default.all_types`,
      ]);
      assert.equal(granted.code, 0, granted.stderr);
      assert.deepEqual(granted.stdout.split('\n').slice(0, 3), [
        "granted USE CATALOG on catalog main to 'ingest-bot'",
        "granted USE SCHEMA on schema main.default to 'ingest-bot'",
        "granted SELECT, MODIFY on table main.default.all_types to 'ingest-bot'",
      ]);
      assert.deepEqual(parseTables(granted.stdout), [
        {
          columns: ['Principal', 'ActionType', 'ObjectType', 'ObjectKey'],
          rows: [
            ['ingest-bot', 'MODIFY', 'TABLE', 'main.default.all_types'],
            ['ingest-bot', 'SELECT', 'TABLE', 'main.default.all_types'],
            ['ingest-bot', 'USE SCHEMA', 'SCHEMA', 'main.default'],
            ['ingest-bot', 'USE CATALOG', 'CATALOG', 'main'],
          ],
        },
      ]);
      assert.deepEqual(await access.checkTable(bot, table, 'MODIFY'), { allowed: true });

      const revoked = await runCli(['sql', '--data-dir', dataDir, 'REVOKE MODIFY ON TABLE main.default.all_types FROM `ingest-bot`']);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.deepEqual(await access.checkTable(bot, table, 'MODIFY'), {
        allowed: false,
        reason: "principal 'ingest-bot' lacks MODIFY on table main.default.all_types",
      });
      assert.deepEqual(await access.checkTable(bot, table, 'SELECT'), { allowed: true });
    } finally {
      await server.close();
    }
  });

  it('reads TRIBUTARY_DATA_DIR and stdin, and fails with exit code 1 and the error on stderr', async () => {
    const run = await runCli(['sql', '-f', '-'], {
      env: { TRIBUTARY_DATA_DIR: dataDir },
      stdin:
        'CREATE TABLE tmp (a INT); DROP TABLE tmp; SHOW TABLES IN main.default;\n' +
        'DROP TABLE main.default.missing;\nSHOW CATALOGS',
    });
    assert.equal(run.code, 1);
    assert.ok(run.stdout.startsWith('created table main.default.tmp\ndropped table main.default.tmp\n'), run.stdout);
    assert.deepEqual(parseTables(run.stdout), [
      { columns: ['database', 'tableName', 'isTemporary'], rows: [['default', 'all_types', 'false']] },
    ]);
    assert.equal(
      run.stderr,
      "error: Table 'main.default.missing' does not exist. Run SHOW TABLES IN main.default to see the tables there. " +
        '(statement 4: DROP TABLE main.default.missing)\n',
    );
    const tables = await readdir(path.join(dataPaths(dataDir).tables, 'main', 'default'));
    assert.deepEqual(tables, ['all_types'], 'the dropped table’s files are gone');

    const syntax = await runCli(['sql', '--data-dir', dataDir, 'CREATE TABLE t (\n  a INT,\n  b STRUCT<c INT>\n)']);
    assert.equal(syntax.code, 1);
    assert.equal(syntax.stdout, '');
    assert.equal(syntax.stderr, "error: syntax error at line 3, column 14: expected ':' but found \"I\"\n");
  });
});
