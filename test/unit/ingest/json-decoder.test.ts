import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileJsonDecoder } from '../../../src/ingest/json-decoder.js';
import { RowBatch } from '../../../src/ingest/row-batch.js';
import { TributaryError } from '../../../src/errors.js';
import { assertRejects, columns, roundTrip } from './helpers.js';

/** One column of every type, plus nested combinations. */
const EVERY_TYPE = columns([
  ['s', 'string'],
  ['b', 'boolean'],
  ['i8', 'tinyint'],
  ['i16', 'smallint'],
  ['i32', 'int'],
  ['i64', 'bigint'],
  ['f', 'float'],
  ['d', 'double'],
  ['dec', 'decimal(38,10)'],
  ['money', 'decimal(5,2)'],
  ['day', 'date'],
  ['ts', 'timestamp'],
  ['tsn', 'timestamp_ntz'],
  ['bin', 'binary'],
  ['ints', 'array<int>'],
  ['attrs', 'map<int,string>'],
  ['loc', 'struct<lat:double,lon:double>'],
  ['deep', 'map<string,array<struct<x:bigint,tags:array<string>>>>'],
  ['id', 'bigint', false],
]);

function decodeAll(cols: typeof EVERY_TYPE, records: unknown[]): RowBatch {
  const decoder = compileJsonDecoder(cols);
  const batch = new RowBatch(cols);
  records.forEach((r, i) => decoder.decode(typeof r === 'string' ? r : JSON.stringify(r), batch, BigInt(i)));
  return batch;
}

describe('JSON decoder: values of every type round-trip exactly through Arrow IPC', () => {
  it('keeps extreme and exact values', () => {
    const record = {
      s: 'héllo ☃ 𝄞',
      b: true,
      i8: -128,
      i16: 32767,
      i32: -2147483648,
      i64: '9223372036854775807',
      f: 1.5,
      d: 0.1,
      dec: '-1234567890123456789012345678.0123456789',
      money: '999.99',
      day: 19723,
      ts: 1735689600123456,
      tsn: -1,
      bin: 'AAEC/w==',
      ints: [1, null, 3],
      attrs: { '7': 'seven', '-1': null },
      loc: { lat: 52.5, lon: 13.4 },
      deep: { k: [{ x: '-9223372036854775808', tags: ['a', null] }, null] },
      id: 42,
    };
    const [row] = roundTrip(decodeAll(EVERY_TYPE, [record]));
    assert.deepEqual(row, {
      s: 'héllo ☃ 𝄞',
      b: true,
      i8: -128,
      i16: 32767,
      i32: -2147483648,
      i64: 9223372036854775807n,
      f: 1.5,
      d: 0.1,
      dec: '-1234567890123456789012345678.0123456789',
      money: '999.99',
      day: 19723,
      ts: 1735689600123456n,
      tsn: -1n,
      bin: 'AAEC/w==',
      ints: [1, null, 3],
      // JSON objects iterate array-index-like keys first, so map entries may not keep the text's order.
      attrs: [
        [7, 'seven'],
        [-1, null],
      ],
      loc: { lat: 52.5, lon: 13.4 },
      deep: [['k', [{ x: -9223372036854775808n, tags: ['a', null] }, null]]],
      id: 42n,
    });
  });

  it('turns absent and null nullable columns into nulls, nested ones included', () => {
    const rows = roundTrip(decodeAll(EVERY_TYPE, [{ id: 1 }, { id: 2, loc: null, s: null }, { id: 3, loc: { lat: 1 } }]));
    assert.equal(rows.length, 3);
    for (const [name, value] of Object.entries(rows[0]!)) assert.equal(value, name === 'id' ? 1n : null, name);
    assert.equal(rows[1]!.loc, null);
    assert.deepEqual(rows[2]!.loc, { lat: 1, lon: null });
  });

  it('accepts BIGINT as a number within ±2^53 and as a string beyond', () => {
    const cols = columns([['v', 'bigint']]);
    const rows = roundTrip(decodeAll(cols, [{ v: 9007199254740991 }, { v: -9007199254740991 }, { v: '-9223372036854775808' }, { v: '12' }]));
    assert.deepEqual(rows.map((r) => r.v), [9007199254740991n, -9007199254740991n, -9223372036854775808n, 12n]);
  });

  it('accepts decimal text with a sign, without integer digits, and with zeros beyond the scale', () => {
    const cols = columns([['v', 'decimal(5,2)']]);
    const rows = roundTrip(decodeAll(cols, [{ v: '-0.5' }, { v: '.25' }, { v: '7' }, { v: '1.2000' }, { v: '+001.10' }]));
    assert.deepEqual(rows.map((r) => r.v), ['-0.50', '0.25', '7.00', '1.20', '1.10']);
  });

  it('converts map keys to the key type', () => {
    const cols = columns([
      ['byLong', 'map<bigint,int>'],
      ['byDate', 'map<date,boolean>'],
      ['byBool', 'map<boolean,string>'],
    ]);
    const [row] = roundTrip(
      decodeAll(cols, [{ byLong: { '9223372036854775807': 1, '-3': 2 }, byDate: { '19000': true }, byBool: { true: 'yes' } }]),
    );
    assert.deepEqual(row, {
      byLong: [
        [9223372036854775807n, 1],
        [-3n, 2],
      ],
      byDate: [[19000, true]],
      byBool: [[true, 'yes']],
    });
  });

  it('reads a column named like an Object.prototype member only from the record itself', () => {
    const cols = columns([['constructor', 'string'], ['toString', 'int']]);
    const rows = roundTrip(decodeAll(cols, [{}, { constructor: 'c', toString: 1 }]));
    assert.deepEqual(rows, [
      { constructor: null, toString: null },
      { constructor: 'c', toString: 1 },
    ]);
  });
});

describe('JSON decoder: errors name offset, field path, expected type and value', () => {
  const decoder = compileJsonDecoder(EVERY_TYPE);
  const reject = (record: unknown, fragments: (string | RegExp)[], field?: string): TributaryError => {
    const batch = new RowBatch(EVERY_TYPE);
    const text = typeof record === 'string' ? record : JSON.stringify({ id: 1, ...(record as object) });
    return assertRejects(() => decoder.decode(text, batch, 17n), ['offset 17', ...fragments], { offset: 17n, ...(field ? { field } : {}) });
  };

  it('teaches microseconds for timestamp strings', () => {
    reject({ ts: '2025-01-01T00:00:00Z' }, ['field ts', 'TIMESTAMP', 'microseconds since the Unix epoch', '"2025-01-01T00:00:00Z"', 'Date.parse(s) * 1000', 'time.time_ns() // 1000'], 'ts');
    reject({ tsn: '1735689600000000' }, ['field tsn', 'TIMESTAMP_NTZ', 'send it as a JSON number'], 'tsn');
  });

  it('refuses integers JSON cannot carry exactly, advising a string', () => {
    reject('{"id":1,"i64":9007199254740993}', ['field i64', 'BIGINT', 'send them as strings'], 'i64');
    reject('{"id":1,"ts":9007199254740993}', ['field ts', 'TIMESTAMP'], 'ts');
  });

  it('range-checks integers per column type', () => {
    reject({ i8: 128 }, ['field i8', 'TINYINT (an integer from -128 to 127)', 'the number 128'], 'i8');
    reject({ i16: -32769 }, ['SMALLINT', '-32769'], 'i16');
    reject({ i32: 2147483648 }, ['INT (an integer from -2147483648 to 2147483647)'], 'i32');
    reject({ i32: 1.5 }, ['INT', 'the number 1.5'], 'i32');
    reject({ i64: '9223372036854775808' }, ['BIGINT', '"9223372036854775808"'], 'i64');
    reject({ i64: '12abc' }, ['BIGINT'], 'i64');
    reject({ day: '2024-01-01' }, ['DATE (an integer count of days since 1970-01-01)', 'Math.floor(Date.parse(s) / 86400000)'], 'day');
    reject({ f: 1e39 }, ['FLOAT', '1e+39'], 'f');
  });

  it('refuses decimals as numbers and values that would need rounding', () => {
    reject({ money: 1.5 }, ['DECIMAL(5,2)', 'the number 1.5', 'send a string'], 'money');
    reject({ money: '1.234' }, ['DECIMAL(5,2)', '"1.234"', '3 digits after the decimal point', 'never rounded'], 'money');
    reject({ money: '1000' }, ['4 digits before the decimal point', 'allows 3'], 'money');
    reject({ money: '1e3' }, ['DECIMAL(5,2)', '"1e3"'], 'money');
  });

  it('refuses values of the wrong JSON kind', () => {
    reject({ s: 5 }, ['field s', 'STRING', 'the number 5'], 's');
    reject({ b: 'true' }, ['BOOLEAN', 'the string "true"'], 'b');
    reject({ d: '1.0' }, ['DOUBLE'], 'd');
    reject({ bin: 'not base64!' }, ['BINARY (a base64 string)'], 'bin');
    reject({ ints: 5 }, ['ARRAY<INT> (a JSON array)'], 'ints');
    reject({ loc: [1, 2] }, ['STRUCT<lat: DOUBLE, lon: DOUBLE> (a JSON object)', 'an array [1,2]'], 'loc');
  });

  it('names nested paths: struct members, array elements, map values and keys', () => {
    reject({ loc: { lat: 'x' } }, ['field loc.lat', 'DOUBLE', '"x"'], 'loc.lat');
    reject({ ints: [1, 2, 3, 'four'] }, ['field ints[3]', 'INT'], 'ints[3]');
    reject({ attrs: { '1': 5 } }, ['field attrs["1"]', 'STRING'], 'attrs["1"]');
    reject({ attrs: { one: 'x' } }, ['field attrs["one"]', 'map key', 'INT', '"one"'], 'attrs["one"]');
    reject({ deep: { k: [{ x: 1, tags: [7] }] } }, ['field deep["k"][0].tags[0]', 'STRING'], 'deep["k"][0].tags[0]');
  });

  it('refuses nulls where the type does not allow them', () => {
    const cols = columns([
      ['a', 'int', false],
      ['s', 'struct<x:int not null>'],
    ]);
    const notNullElements = columns([['xs', 'array<int>']]);
    const decoder = compileJsonDecoder(cols);
    const batch = new RowBatch(cols);
    assertRejects(() => decoder.decode('{"a":null}', batch, 0n), ['field a', 'is NOT NULL but the record has null'], { field: 'a' });
    assertRejects(() => decoder.decode('{}', batch, 0n), ['field a', 'is NOT NULL (INT) but the record has no value for it'], { field: 'a' });
    assertRejects(() => decoder.decode('{"a":1,"s":{}}', batch, 0n), ['field s.x', 'NOT NULL'], { field: 's.x' });
    // A NOT NULL struct member under a null struct is fine: the struct is null.
    decoder.decode('{"a":1,"s":null}', batch, 0n);
    assert.equal(batch.rowCount, 1);

    const strict = { ...notNullElements[0]!, type: { kind: 'array' as const, element: { kind: 'int' as const }, containsNull: false } };
    const strictDecoder = compileJsonDecoder([strict]);
    assertRejects(() => strictDecoder.decode('{"xs":[1,null]}', new RowBatch([strict]), 0n), ['field xs[1]', 'does not allow null elements']);
    const strictMap = { name: 'm', position: 0, nullable: true, type: { kind: 'map' as const, key: { kind: 'string' as const }, value: { kind: 'int' as const }, valueContainsNull: false } };
    assertRejects(() => compileJsonDecoder([strictMap]).decode('{"m":{"k":null}}', new RowBatch([strictMap]), 0n), ['field m["k"]', 'does not allow null values']);
  });

  it('decodes records whose keys follow the column order and records in any other order alike', () => {
    const cols = columns([
      ['a', 'int', false],
      ['s', 'string'],
      ['loc', 'struct<lat:double,lon:double>'],
      ['n', 'bigint'],
    ]);
    const rows = [
      { a: 1, s: 'x', loc: { lat: 1.5, lon: -2 }, n: 7 },
      { a: 2, s: null, loc: null, n: null },
      { a: 3, s: 'y', loc: { lon: 4, lat: 3 }, n: '9007199254740993' },
    ];
    const reversed = rows.map((r) => Object.fromEntries(Object.entries(r).reverse()));
    const missing = rows.map(({ a, loc }) => ({ a, loc }));
    assert.deepEqual(roundTrip(decodeAll(cols, rows)), roundTrip(decodeAll(cols, reversed)));
    assert.deepEqual(
      roundTrip(decodeAll(cols, missing)).map((r) => [r.s, r.n]),
      [[null, null], [null, null], [null, null]],
    );
    const decoder = compileJsonDecoder(cols);
    const batch = new RowBatch(cols);
    assertRejects(() => decoder.decode('{"a":null,"s":"x","loc":null,"n":1}', batch, 0n), ['field a', 'is NOT NULL but the record has null'], { field: 'a' });
    assertRejects(() => decoder.decode('{"a":1,"s":5,"loc":null,"n":1}', batch, 0n), ['field s'], { field: 's' });
    assertRejects(() => decoder.decode('{"a":1,"s":"x","loc":{"lat":"no"},"n":1}', batch, 0n), ['field loc.lat'], { field: 'loc.lat' });
    assert.equal(batch.rowCount, 0);
  });

  it('refuses unknown keys, naming them and the known ones', () => {
    reject({ temperatur: 5 }, ['field temperatur', 'the table has no such column', 'its columns are: s, b, i8'], 'temperatur');
    reject({ loc: { lat: 1, alt: 2 } }, ['field loc.alt', 'the struct has no such field', 'its fields are: lat, lon'], 'loc.alt');
  });

  it('refuses what is not a JSON object', () => {
    reject('[1]', ['expected a JSON object', 'got an array']);
    reject('null', ['got null']);
    reject('{"id":1', ['not valid JSON']);
    reject('', ['not valid JSON']);
  });

  it('says which record of a batch message failed', () => {
    const batch = new RowBatch(EVERY_TYPE);
    const err = assertRejects(() => decoder.decodeBatch(['{"id":1}', '{"id":2}', '{"id":"x"}'], batch, 9n), ['record 2 of the batch at offset 9', 'field id']);
    assert.equal(err.context.offset, 9n);
  });

  it('truncates long received values', () => {
    const err = reject({ i32: 'x'.repeat(500) }, ['INT']);
    assert.ok(err.message.length < 300, err.message);
    assert.ok(err.message.includes('…'));
  });

  it('refuses VARIANT columns at compile time', () => {
    assert.throws(
      () => compileJsonDecoder(columns([['ok', 'int'], ['payload', 'struct<v:variant>']])),
      (e: unknown) => e instanceof TributaryError && e.kind === 'invalid_argument' && /payload\.v is VARIANT, which cannot be ingested yet/.test(e.message),
    );
  });
});

describe('JSON decoder: a failing message leaves the batch exactly as before', () => {
  it('rolls back a record that fails after writing some columns, nested ones included', () => {
    const decoder = compileJsonDecoder(EVERY_TYPE);
    const batch = new RowBatch(EVERY_TYPE);
    const good = { id: 1, s: 'a', ints: [1, 2], deep: { k: [{ x: 1, tags: ['t'] }] }, attrs: { '1': 'x' }, loc: { lat: 1, lon: 2 } };
    decoder.decode(JSON.stringify(good), batch, 0n);
    const before = roundTrip(batch);
    const size = batch.byteSize;
    // Fails on the last column, after every nested builder received values.
    assertRejects(() => decoder.decode(JSON.stringify({ ...good, s: 'longer string', id: 'x' }), batch, 1n), ['field id']);
    assertRejects(() => decoder.decode(JSON.stringify({ ...good, deep: { k: [{ x: 1, tags: ['t', 5] }] } }), batch, 1n), ['tags[1]']);
    assert.equal(batch.rowCount, 1);
    assert.equal(batch.byteSize, size);
    assert.deepEqual(roundTrip(batch), before);
    decoder.decode(JSON.stringify({ ...good, id: 2 }), batch, 2n);
    assert.deepEqual(roundTrip(batch).map((r) => r.id), [1n, 2n]);
  });

  it('rolls back a whole batch message when one record fails', () => {
    const decoder = compileJsonDecoder(EVERY_TYPE);
    const batch = new RowBatch(EVERY_TYPE);
    decoder.decode('{"id":1}', batch, 0n);
    assertRejects(() => decoder.decodeBatch(['{"id":2}', '{"id":3,"s":"x"}', '{}'], batch, 1n), ['record 2 of the batch']);
    assert.deepEqual(roundTrip(batch).map((r) => r.id), [1n]);
  });
});
