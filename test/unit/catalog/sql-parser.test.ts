import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TributaryError } from '../../../src/errors.js';
import { parseSql } from '../../../src/catalog/sql/parser.js';
import type { Statement } from '../../../src/catalog/sql/statements.js';
import { MAX_NESTING_DEPTH, type DataType } from '../../../src/catalog/types.js';

function one(text: string): Statement {
  const parsed = parseSql(text);
  assert.equal(parsed.length, 1, `expected one statement in ${text}`);
  return parsed[0]!.statement;
}

function syntaxError(text: string, line: number, column: number, rest: RegExp | string): void {
  assert.throws(
    () => parseSql(text),
    (e: unknown) => {
      assert.ok(e instanceof TributaryError, String(e));
      assert.equal(e.kind, 'invalid_argument');
      const prefix = `syntax error at line ${line}, column ${column}: `;
      assert.ok(e.message.startsWith(prefix), `${JSON.stringify(e.message)} should start with ${JSON.stringify(prefix)}`);
      const detail = e.message.slice(prefix.length);
      if (typeof rest === 'string') assert.equal(detail, rest);
      else assert.match(detail, rest);
      return true;
    },
  );
}

function columnType(typeText: string): DataType {
  const s = one(`CREATE TABLE t (c ${typeText})`);
  assert.equal(s.kind, 'createTable');
  return s.columns[0]!.type;
}

describe('SQL parser: CREATE', () => {
  it('parses CREATE CATALOG with IF NOT EXISTS and COMMENT', () => {
    assert.deepEqual(one('CREATE CATALOG sales'), { kind: 'createCatalog', name: 'sales', ifNotExists: false });
    assert.deepEqual(one("create catalog if not exists `Sales` comment 'the sales team'"), {
      kind: 'createCatalog',
      name: 'Sales',
      ifNotExists: true,
      comment: 'the sales team',
    });
  });

  it('parses CREATE SCHEMA and its DATABASE synonym with one- or two-part names', () => {
    assert.deepEqual(one('CREATE SCHEMA raw'), { kind: 'createSchema', name: ['raw'], ifNotExists: false });
    assert.deepEqual(one("CREATE DATABASE IF NOT EXISTS main.raw COMMENT 'landing'"), {
      kind: 'createSchema',
      name: ['main', 'raw'],
      ifNotExists: true,
      comment: 'landing',
    });
  });

  it('parses the CREATE TABLE of the Zerobus quickstart', () => {
    assert.deepEqual(one('CREATE TABLE main.default.air_quality (device_name STRING, temp INT, humidity BIGINT)'), {
      kind: 'createTable',
      name: ['main', 'default', 'air_quality'],
      ifNotExists: false,
      columns: [
        { name: 'device_name', type: { kind: 'string' }, nullable: true },
        { name: 'temp', type: { kind: 'int' }, nullable: true },
        { name: 'humidity', type: { kind: 'long' }, nullable: true },
      ],
      properties: {},
    });
  });

  it('parses NOT NULL, column comments, USING DELTA, COMMENT and TBLPROPERTIES in any order', () => {
    const s = one(`CREATE TABLE IF NOT EXISTS s.t (
        id BIGINT NOT NULL COMMENT 'primary',
        \`select\` STRING COMMENT 'a keyword as a name' NOT NULL,
        note STRING
      ) TBLPROPERTIES ('delta.appendOnly' = 'true', delta.checkpointInterval 5, "quoted.key"=false)
        COMMENT 'events'
        USING delta`);
    assert.deepEqual(s, {
      kind: 'createTable',
      name: ['s', 't'],
      ifNotExists: true,
      columns: [
        { name: 'id', type: { kind: 'long' }, nullable: false, comment: 'primary' },
        { name: 'select', type: { kind: 'string' }, nullable: false, comment: 'a keyword as a name' },
        { name: 'note', type: { kind: 'string' }, nullable: true },
      ],
      comment: 'events',
      properties: { 'delta.appendOnly': 'true', 'delta.checkpointInterval': '5', 'quoted.key': 'false' },
    });
  });

  it('unescapes string literals the way Spark does', () => {
    const s = one(String.raw`CREATE CATALOG c COMMENT 'it''s a \'tab\'\there\\ "ok"'`);
    assert.equal(s.kind === 'createCatalog' && s.comment, `it's a 'tab'\there\\ "ok"`);
    const d = one(`CREATE CATALOG c COMMENT "double ""quoted"" and 'single'"`);
    assert.equal(d.kind === 'createCatalog' && d.comment, `double "quoted" and 'single'`);
  });

  it('treats a property key like __proto__ as just a key', () => {
    const s = one("CREATE TABLE t (a INT) TBLPROPERTIES ('__proto__' = 'x')");
    assert.ok(s.kind === 'createTable');
    assert.deepEqual(Object.keys(s.properties), ['__proto__']);
    assert.equal(Object.getPrototypeOf(s.properties), Object.prototype);
  });
});

describe('SQL parser: every column type', () => {
  const cases: [string, DataType][] = [
    ['STRING', { kind: 'string' }],
    ['VARCHAR(20)', { kind: 'string' }],
    ['CHAR(3)', { kind: 'string' }],
    ['BOOLEAN', { kind: 'boolean' }],
    ['TINYINT', { kind: 'byte' }],
    ['BYTE', { kind: 'byte' }],
    ['SMALLINT', { kind: 'short' }],
    ['SHORT', { kind: 'short' }],
    ['INT', { kind: 'int' }],
    ['INTEGER', { kind: 'int' }],
    ['BIGINT', { kind: 'long' }],
    ['LONG', { kind: 'long' }],
    ['FLOAT', { kind: 'float' }],
    ['REAL', { kind: 'float' }],
    ['DOUBLE', { kind: 'double' }],
    ['DECIMAL', { kind: 'decimal', precision: 10, scale: 0 }],
    ['DECIMAL(10,2)', { kind: 'decimal', precision: 10, scale: 2 }],
    ['DEC(5)', { kind: 'decimal', precision: 5, scale: 0 }],
    ['NUMERIC(38, 38)', { kind: 'decimal', precision: 38, scale: 38 }],
    ['DATE', { kind: 'date' }],
    ['TIMESTAMP', { kind: 'timestamp' }],
    ['TIMESTAMP_LTZ', { kind: 'timestamp' }],
    ['TIMESTAMP_NTZ', { kind: 'timestamp_ntz' }],
    ['BINARY', { kind: 'binary' }],
    ['VARIANT', { kind: 'variant' }],
    ['ARRAY<STRING>', { kind: 'array', element: { kind: 'string' }, containsNull: true }],
    [
      'MAP<STRING, BIGINT>',
      { kind: 'map', key: { kind: 'string' }, value: { kind: 'long' }, valueContainsNull: true },
    ],
    [
      "STRUCT<lat: DOUBLE NOT NULL, `lon gitude`: DOUBLE COMMENT 'east'>",
      {
        kind: 'struct',
        fields: [
          { name: 'lat', type: { kind: 'double' }, nullable: false },
          { name: 'lon gitude', type: { kind: 'double' }, nullable: true, comment: 'east' },
        ],
      },
    ],
    ['struct<>', { kind: 'struct', fields: [] }],
  ];
  for (const [text, type] of cases) {
    it(`parses ${text}`, () => {
      assert.deepEqual(columnType(text), type);
      assert.deepEqual(columnType(text.toLowerCase()), type, 'keywords are case-insensitive');
    });
  }

  it(`parses nesting down to depth ${MAX_NESTING_DEPTH} and refuses one level more, with its position`, () => {
    const nested = (depth: number) => `${'ARRAY<'.repeat(depth)}INT${'>'.repeat(depth)}`;
    let type = columnType(nested(MAX_NESTING_DEPTH));
    for (let i = 0; i < MAX_NESTING_DEPTH; i++) {
      assert.equal(type.kind, 'array');
      type = (type as Extract<DataType, { kind: 'array' }>).element;
    }
    assert.deepEqual(type, { kind: 'int' });
    const prefix = 'CREATE TABLE t (c ';
    syntaxError(`${prefix}${nested(MAX_NESTING_DEPTH + 1)})`, 1, prefix.length + 6 * (MAX_NESTING_DEPTH + 1) + 1, /nesting deeper than 100/);
  });

  it('parses mixed deep nesting of structs, maps and arrays', () => {
    const depth = 30;
    let text = 'DECIMAL(9,3)';
    for (let i = 0; i < depth; i++) {
      text = i % 3 === 0 ? `STRUCT<f${i}: ${text} NOT NULL>` : i % 3 === 1 ? `MAP<STRING, ${text}>` : `ARRAY<${text}>`;
    }
    let type = columnType(text);
    for (let i = depth - 1; i >= 0; i--) {
      if (type.kind === 'struct') {
        assert.equal(type.fields[0]!.name, `f${i}`);
        assert.equal(type.fields[0]!.nullable, false);
        type = type.fields[0]!.type;
      } else if (type.kind === 'map') type = type.value;
      else if (type.kind === 'array') type = type.element;
      else assert.fail(`unexpected ${type.kind} at level ${i}`);
    }
    assert.deepEqual(type, { kind: 'decimal', precision: 9, scale: 3 });
  });
});

describe('SQL parser: DROP, GRANT, REVOKE, SHOW, DESCRIBE', () => {
  it('parses DROP of each object type, with IF EXISTS and CASCADE', () => {
    assert.deepEqual(one('DROP TABLE t'), { kind: 'drop', objectType: 'TABLE', name: ['t'], ifExists: false, cascade: false });
    assert.deepEqual(one('drop table if exists c.s.t'), { kind: 'drop', objectType: 'TABLE', name: ['c', 's', 't'], ifExists: true, cascade: false });
    assert.deepEqual(one('DROP SCHEMA main.raw CASCADE'), { kind: 'drop', objectType: 'SCHEMA', name: ['main', 'raw'], ifExists: false, cascade: true });
    assert.deepEqual(one('DROP DATABASE IF EXISTS raw RESTRICT'), { kind: 'drop', objectType: 'SCHEMA', name: ['raw'], ifExists: true, cascade: false });
    assert.deepEqual(one('DROP CATALOG IF EXISTS sales CASCADE'), { kind: 'drop', objectType: 'CATALOG', name: ['sales'], ifExists: true, cascade: true });
    syntaxError('DROP TABLE t CASCADE', 1, 14, "expected ';' or end of input, found 'CASCADE'");
  });

  it('parses the grants of the Zerobus setup', () => {
    const statements = parseSql(`
      GRANT USE CATALOG ON CATALOG main TO \`6c2d…-sp\`;
      GRANT USE SCHEMA ON SCHEMA main.default TO \`6c2d…-sp\`;
      GRANT SELECT, MODIFY ON TABLE main.default.air_quality TO \`6c2d…-sp\`;`).map((p) => p.statement);
    assert.deepEqual(statements, [
      { kind: 'grant', privileges: ['USE CATALOG'], securable: { type: 'CATALOG', name: ['main'] }, principal: '6c2d…-sp' },
      { kind: 'grant', privileges: ['USE SCHEMA'], securable: { type: 'SCHEMA', name: ['main', 'default'] }, principal: '6c2d…-sp' },
      {
        kind: 'grant',
        privileges: ['SELECT', 'MODIFY'],
        securable: { type: 'TABLE', name: ['main', 'default', 'air_quality'] },
        principal: '6c2d…-sp',
      },
    ]);
  });

  it('parses every privilege spelling and securable form', () => {
    assert.deepEqual(one('GRANT create table, CREATE SCHEMA, all privileges, ALL, use_catalog ON DATABASE s TO bot'), {
      kind: 'grant',
      privileges: ['CREATE TABLE', 'CREATE SCHEMA', 'ALL PRIVILEGES', 'ALL PRIVILEGES', 'USE CATALOG'],
      securable: { type: 'SCHEMA', name: ['s'] },
      principal: 'bot',
    });
    assert.deepEqual(one('REVOKE MODIFY ON t FROM `ingest bot`'), {
      kind: 'revoke',
      privileges: ['MODIFY'],
      securable: { type: 'TABLE', name: ['t'] },
      principal: 'ingest bot',
    });
  });

  it('parses SHOW statements', () => {
    assert.deepEqual(one('SHOW CATALOGS'), { kind: 'showCatalogs' });
    assert.deepEqual(one('SHOW SCHEMAS'), { kind: 'showSchemas' });
    assert.deepEqual(one('show databases in sales'), { kind: 'showSchemas', catalog: 'sales' });
    assert.deepEqual(one('SHOW SCHEMAS FROM sales'), { kind: 'showSchemas', catalog: 'sales' });
    assert.deepEqual(one('SHOW TABLES'), { kind: 'showTables' });
    assert.deepEqual(one('SHOW TABLES IN main.default'), { kind: 'showTables', schema: ['main', 'default'] });
    assert.deepEqual(one('SHOW GRANTS ON TABLE main.default.t'), {
      kind: 'showGrants',
      securable: { type: 'TABLE', name: ['main', 'default', 't'] },
    });
    assert.deepEqual(one('SHOW GRANTS `bot` ON CATALOG main'), {
      kind: 'showGrants',
      principal: 'bot',
      securable: { type: 'CATALOG', name: ['main'] },
    });
  });

  it('parses DESCRIBE in its spellings', () => {
    assert.deepEqual(one('DESCRIBE TABLE main.default.t'), { kind: 'describeTable', name: ['main', 'default', 't'], extended: false });
    assert.deepEqual(one('DESC t'), { kind: 'describeTable', name: ['t'], extended: false });
    assert.deepEqual(one('describe table extended s.t'), { kind: 'describeTable', name: ['s', 't'], extended: true });
  });
});

describe('SQL parser: scripts', () => {
  it('splits statements on ;, skips empty ones and comments, and keeps each statement’s text', () => {
    const parsed = parseSql(`-- set up
      CREATE SCHEMA raw; ;
      /* a block
         comment */ SHOW TABLES IN main.raw -- trailing
      ;SHOW CATALOGS`);
    assert.deepEqual(
      parsed.map((p) => p.text),
      ['CREATE SCHEMA raw', 'SHOW TABLES IN main.raw', 'SHOW CATALOGS'],
    );
    assert.deepEqual(parseSql(''), []);
    assert.deepEqual(parseSql('  ;; -- nothing\n/* at all */'), []);
  });

  it('refuses huge input before parsing', () => {
    assert.throws(() => parseSql(`SHOW CATALOGS ${' '.repeat(1024 * 1024)}`), /longer than/);
  });
});

describe('SQL parser: syntax errors name line, column, what was expected and what was found', () => {
  it('reports a misspelt keyword', () => {
    syntaxError('CREATE TABEL t (a INT)', 1, 8, "expected CATALOG, SCHEMA, DATABASE or TABLE, found 'TABEL'");
    syntaxError('SELECT 1', 1, 1, "expected a statement (CREATE, DROP, GRANT, REVOKE, SHOW or DESCRIBE), found 'SELECT'");
  });

  it('counts lines and columns across statements and comments', () => {
    syntaxError('SHOW CATALOGS;\n-- comment\n  GRANT SELEC ON t TO bot', 3, 9, /^expected a privilege \(USE CATALOG, .*, ALL PRIVILEGES\), found 'SELEC'$/);
    syntaxError('CREATE TABLE t (\n  a INT,\n  b FLOAT8\n)', 3, 5, "unknown type 'float8'");
    syntaxError('CREATE TABLE t (a INT,\n  b STRUCT<c: INT>>)', 2, 19, "expected NOT NULL, COMMENT, ',' or ')', found '>'");
  });

  it('reports the end of input', () => {
    syntaxError('GRANT SELECT ON TABLE t TO', 1, 27, /found end of input$/);
    syntaxError('CREATE TABLE t (a INT', 1, 22, "expected NOT NULL, COMMENT, ',' or ')', found end of input");
    syntaxError('CREATE TABLE t (a', 1, 18, /^expected a type name/);
  });

  it('reports unterminated literals, identifiers and comments where they start', () => {
    syntaxError("CREATE CATALOG c COMMENT 'oops", 1, 26, 'unterminated string literal');
    syntaxError('DROP TABLE `oops', 1, 12, 'unterminated backquoted identifier');
    syntaxError('SHOW CATALOGS /* oops', 1, 15, 'unterminated /* comment');
  });

  it('reports trailing text, extra name parts, odd characters and unsupported clauses', () => {
    syntaxError('SHOW CATALOGS foo', 1, 15, "expected ';' or end of input, found 'foo'");
    syntaxError('DROP TABLE a.b.c.d', 1, 17, 'a table name has at most 3 dot-separated parts');
    syntaxError('CREATE SCHEMA a.b.c', 1, 18, 'a schema name has at most 2 dot-separated parts');
    syntaxError('CREATE TABLE é (a INT)', 1, 14, "expected a table name, found 'é'");
    syntaxError('CREATE TABLE t (a INT) USING PARQUET', 1, 30, "expected DELTA (the only table format), found 'PARQUET'");
    syntaxError("CREATE TABLE t (a INT) LOCATION '/tmp/x'", 1, 24, /^LOCATION is not supported/);
    syntaxError('CREATE TABLE t (a INT) COMMENT "x" COMMENT "y"', 1, 36, 'duplicate COMMENT clause');
    syntaxError("CREATE TABLE t (a INT) TBLPROPERTIES ('k'='1', 'k'='2')", 1, 48, 'duplicate table property "k"');
    syntaxError('CREATE TABLE t (a INT DEFAULT 1)', 1, 23, "expected NOT NULL, COMMENT, ',' or ')', found 'DEFAULT'");
    syntaxError('CREATE TABLE t ()', 1, 17, "expected a column name, found ')'");
    syntaxError('CREATE TABLE t (a DECIMAL(39,0))', 1, 19, /DECIMAL precision must be between 1 and 38/);
  });
});
