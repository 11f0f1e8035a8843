/**
 * CSV cells → JSON values by column type, and header checks, each problem named by line and column.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { csvRecordBuilder } from '../../../src/cli/ingest-source/csv-values.js';
import { SourceError } from '../../../src/cli/ingest-source/source-error.js';
import { parseTypeText, type Column } from '../../../src/catalog/types.js';

function columns(spec: [string, string, boolean?][]): Column[] {
  return spec.map(([name, type, nullable = true], position) => ({ name, type: parseTypeText(type), nullable, position }));
}

/** The JSON value of `cell` in a one-column table of `type`. */
function convert(type: string, cell: string | null): unknown {
  const builder = csvRecordBuilder({ line: 1, fields: ['v'] }, columns([['v', type]]));
  return builder.toRecord({ line: 2, fields: [cell] }).v;
}

function refusal(fn: () => unknown): SourceError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SourceError, String(e));
    return e;
  }
  assert.fail('expected a SourceError');
}

describe('csvRecordBuilder cell conversion', () => {
  test('integers, floats, booleans, decimals and strings', () => {
    assert.equal(convert('int', ' 42 '), 42);
    assert.equal(convert('tinyint', '-7'), -7);
    assert.equal(convert('bigint', '9007199254740991'), 9007199254740991);
    assert.equal(convert('bigint', '9223372036854775807'), '9223372036854775807');
    assert.equal(convert('bigint', '+9007199254740993'), '9007199254740993');
    assert.equal(convert('double', '1.5e3'), 1500);
    assert.equal(convert('float', '.25'), 0.25);
    assert.equal(convert('boolean', 'TRUE'), true);
    assert.equal(convert('boolean', 'false'), false);
    assert.equal(convert('decimal(10,2)', ' 12.34 '), '12.34');
    assert.equal(convert('string', '  keep spaces '), '  keep spaces ');
    assert.equal(convert('binary', 'AAEC'), 'AAEC');
  });

  test('an empty unquoted cell is null, a quoted empty cell is the empty string', () => {
    assert.equal(convert('int', null), null);
    assert.equal(convert('string', ''), '');
  });

  test('DATE from integer days or YYYY-MM-DD', () => {
    assert.equal(convert('date', '19723'), 19723);
    assert.equal(convert('date', '2024-01-01'), 19723);
    assert.equal(convert('date', '1969-12-31'), -1);
  });

  test('TIMESTAMP from microseconds or ISO-8601 with a zone, to the microsecond', () => {
    assert.equal(convert('timestamp', '1700000000000000'), 1_700_000_000_000_000);
    assert.equal(convert('timestamp', '2024-01-01T00:00:00Z'), 1_704_067_200_000_000);
    assert.equal(convert('timestamp', '2024-01-01T00:00:00.123456Z'), 1_704_067_200_123_456);
    assert.equal(convert('timestamp', '2024-01-01 02:00:00.5+02:00'), 1_704_067_200_500_000);
    assert.equal(convert('timestamp', '2023-12-31T19:00:00-0500'), 1_704_067_200_000_000);
  });

  test('TIMESTAMP_NTZ from microseconds or ISO-8601 without a zone', () => {
    assert.equal(convert('timestamp_ntz', '2024-01-01T00:00:01'), 1_704_067_201_000_000);
    assert.equal(convert('timestamp_ntz', '5'), 5);
  });

  test('nested types from JSON text', () => {
    assert.deepEqual(convert('array<int>', '[1,2]'), [1, 2]);
    assert.deepEqual(convert('map<string,int>', '{"a":1}'), { a: 1 });
    assert.deepEqual(convert('struct<lat:double>', '{"lat":1.5}'), { lat: 1.5 });
  });

  const refused: [string, string, RegExp][] = [
    ['int', 'abc', /^line 2: column v: expected an integer for INT, got "abc"$/],
    ['int', '1.5', /expected an integer/],
    ['bigint', '1e3', /expected an integer for BIGINT/],
    ['double', 'NaN', /expected a DOUBLE number \(NaN and Infinity cannot be sent as JSON\)/],
    ['boolean', 'yes', /expected true or false, got "yes"/],
    ['date', '2024-02-30', /expected a valid calendar date/],
    ['date', '01/02/2024', /expected a DATE as YYYY-MM-DD or integer days/],
    ['timestamp', '2024-01-01T00:00:00', /a TIMESTAMP needs the zone to be exact/],
    ['timestamp', 'yesterday', /integer microseconds since the epoch, or ISO-8601 with a zone/],
    ['timestamp_ntz', '2024-01-01T00:00:00Z', /TIMESTAMP_NTZ has no zone/],
    ['timestamp', '2024-01-01T25:00:00Z', /a valid calendar date and time/],
    ['array<int>', '1,2', /expected JSON text for ARRAY<INT>/],
  ];
  for (const [type, cell, message] of refused) {
    test(`refuses ${JSON.stringify(cell)} for ${type}`, () => {
      const e = refusal(() => convert(type, cell));
      assert.equal(e.line, 2);
      assert.match(e.message, message);
    });
  }
});

describe('csvRecordBuilder header and row shape', () => {
  const table = columns([
    ['id', 'int', false],
    ['name', 'string'],
  ]);

  test('maps header names to columns in any order', () => {
    const builder = csvRecordBuilder({ line: 1, fields: ['name', 'id'] }, table);
    assert.deepEqual(builder.toRecord({ line: 2, fields: ['x', '7'] }), { name: 'x', id: 7 });
  });

  test('a header may leave out nullable columns but not NOT NULL ones', () => {
    assert.doesNotThrow(() => csvRecordBuilder({ line: 1, fields: ['id'] }, table));
    assert.match(refusal(() => csvRecordBuilder({ line: 1, fields: ['name'] }, table)).message, /^line 1: header lacks NOT NULL column\(s\) id$/);
  });

  test('unknown, repeated and empty header names are refused', () => {
    assert.match(
      refusal(() => csvRecordBuilder({ line: 1, fields: ['id', 'nmae'] }, table)).message,
      /header names "nmae", but the table has no such column; its columns are: id, name/,
    );
    assert.match(refusal(() => csvRecordBuilder({ line: 1, fields: ['id', 'id'] }, table)).message, /header names column id twice/);
    assert.match(refusal(() => csvRecordBuilder({ line: 1, fields: ['id', null] }, table)).message, /header field 2 is empty/);
  });

  test('a row with the wrong number of fields is refused naming its line', () => {
    const builder = csvRecordBuilder({ line: 1, fields: ['id', 'name'] }, table);
    assert.match(refusal(() => builder.toRecord({ line: 5, fields: ['1'] })).message, /^line 5: row has 1 fields but the header has 2$/);
  });
});
