import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTypeText, type Column } from '../../../src/catalog/types.js';
import { TributaryError } from '../../../src/errors.js';
import { columnJson, parseCreateTable, parseJsonObject, privilegeAssignmentsJson } from '../../../src/server/routes/uc-json.js';

const column = (name: string, type: string, position: number, nullable = true): Column => ({
  name,
  type: parseTypeText(type),
  nullable,
  position,
});

function invalid(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TributaryError);
    assert.equal(error.kind, 'invalid_argument');
    assert.match(error.message, message);
    return true;
  });
}

describe('columnJson', () => {
  it('spells types as Unity Catalog does', () => {
    const cases: [string, string, string, string][] = [
      ['tinyint', 'tinyint', 'BYTE', '"byte"'],
      ['smallint', 'smallint', 'SHORT', '"short"'],
      ['int', 'int', 'INT', '"integer"'],
      ['bigint', 'bigint', 'LONG', '"long"'],
      ['timestamp_ntz', 'timestamp_ntz', 'TIMESTAMP_NTZ', '"timestamp_ntz"'],
      ['array<string>', 'array<string>', 'ARRAY', '{"type":"array","elementType":"string","containsNull":true}'],
      ['map<string,bigint>', 'map<string,bigint>', 'MAP', '{"type":"map","keyType":"string","valueType":"long","valueContainsNull":true}'],
    ];
    for (const [sql, text, name, sparkType] of cases) {
      const json = columnJson(column('c', sql, 3));
      assert.equal(json.type_text, text);
      assert.equal(json.type_name, name);
      assert.equal(json.type_json, `{"name":"c","type":${sparkType},"nullable":true,"metadata":{}}`);
      assert.equal(json.position, 3);
      assert.equal(json.type_precision, 0);
    }
  });

  it('gives decimals their precision and scale', () => {
    const json = columnJson(column('amount', 'decimal(38,6)', 0, false));
    assert.deepEqual([json.type_name, json.type_precision, json.type_scale, json.nullable], ['DECIMAL', 38, 6, false]);
  });
});

describe('parseCreateTable', () => {
  const base = { name: 'T', catalog_name: 'main', schema_name: 'default' };

  it('orders columns by position and takes nullability and comments from type_json', () => {
    const input = parseCreateTable(
      {
        ...base,
        columns: [
          { name: 'b', type_json: '{"name":"b","type":"long","nullable":false,"metadata":{"comment":"why"}}', position: 1 },
          { name: 'a', type_text: 'STRING', position: 0 },
        ],
        properties: { k: 'v' },
      },
      'owner-1',
    );
    assert.deepEqual(input.columns, [
      { name: 'a', type: { kind: 'string' }, nullable: true, position: 0 },
      { name: 'b', type: { kind: 'long' }, nullable: false, position: 1, comment: 'why' },
    ]);
    assert.equal(input.owner, 'owner-1');
    assert.deepEqual(input.properties, { k: 'v' });
    assert.deepEqual(input.name, { catalog: 'main', schema: 'default', table: 'T' });
  });

  it('says what is wrong', () => {
    invalid(() => parseCreateTable({ ...base, name: undefined, columns: [] }, 'o'), /name is required/);
    invalid(() => parseCreateTable({ ...base, columns: 'a int' }, 'o'), /columns is required and must be an array/);
    invalid(() => parseCreateTable({ ...base, columns: [{ name: 'a', type_text: 'decimal(10,2)', type_precision: 12 }] }, 'o'), /type_precision 12 does not match decimal\(10,2\)/);
    invalid(() => parseCreateTable({ ...base, columns: [{ name: 'a', type_json: '{"name":"b","type":"long"}' }] }, 'o'), /type_json names a different field, "b"/);
    invalid(() => parseCreateTable({ ...base, columns: [{ name: 'a', type_json: '{' }] }, 'o'), /column "a": type_json is not a valid type/);
    invalid(() => parseCreateTable({ ...base, columns: [{ name: 'a', type_text: 'int', nullable: 'yes' }] }, 'o'), /nullable must be a boolean/);
    invalid(() => parseCreateTable({ ...base, data_source_format: 'PARQUET', columns: [] }, 'o'), /tables are DELTA/);
    invalid(() => parseCreateTable({ ...base, properties: { k: 1 }, columns: [] }, 'o'), /property "k" must have a string value/);
  });
});

describe('parseJsonObject', () => {
  it('accepts objects only', () => {
    assert.deepEqual(parseJsonObject(Buffer.from('{"a":1}')), { a: 1 });
    invalid(() => parseJsonObject(Buffer.from('')), /body is required/);
    invalid(() => parseJsonObject(Buffer.from('{"a":')), /not valid JSON/);
    invalid(() => parseJsonObject(Buffer.from('[]')), /must be a JSON object/);
  });
});

describe('privilegeAssignmentsJson', () => {
  it('groups by principal and uses REST spellings', () => {
    const grant = (principal: string, privilege: 'USE CATALOG' | 'SELECT') => ({
      principal,
      securableType: 'CATALOG' as const,
      securableName: 'main',
      privilege,
    });
    assert.deepEqual(privilegeAssignmentsJson([grant('a', 'USE CATALOG'), grant('b', 'SELECT'), grant('a', 'SELECT')]), [
      { principal: 'a', privileges: ['USE_CATALOG', 'SELECT'] },
      { principal: 'b', privileges: ['SELECT'] },
    ]);
  });
});
