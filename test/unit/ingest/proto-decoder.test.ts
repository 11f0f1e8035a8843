import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { typeText } from '../../../src/catalog/types.js';
import { generateProto } from '../../../src/cli/proto-gen/generate.js';
import { ProtoWriter, WireType } from '../../../src/protocol/protobuf-wire.js';
import { compileJsonDecoder } from '../../../src/ingest/json-decoder.js';
import { compileProtoDecoder } from '../../../src/ingest/proto-decoder.js';
import { RowBatch } from '../../../src/ingest/row-batch.js';
import { EVERY_TYPE_PROTO, EVERY_TYPE_TABLE, assertRejects, columns, protoFixture, roundTrip } from './helpers.js';

const fixture = protoFixture(EVERY_TYPE_PROTO, 'gen.every_type');

/** Field numbers of EVERY_TYPE_PROTO. */
const F = { s: 1, i8: 3, i32: 5, i64: 6, dec: 9, ints: 14, names: 15, attrs: 16, loc: 17, items: 18, places: 19, id: 20 };

/** A record written by hand, for what protobufjs would never produce. */
function record(write: (w: ProtoWriter) => void, withId = true): Uint8Array {
  const w = new ProtoWriter();
  if (withId) w.tag(F.id, WireType.VARINT).int64(1);
  write(w);
  return w.finish().slice();
}

function decodeProto(records: Uint8Array[], cols = EVERY_TYPE_TABLE, descriptor = fixture.descriptor): RowBatch {
  const decoder = compileProtoDecoder(descriptor, cols);
  const batch = new RowBatch(cols);
  records.forEach((r, i) => decoder.decode(r, batch, BigInt(i)));
  return batch;
}

function rejectProto(bytes: Uint8Array, fragments: (string | RegExp)[], field?: string): void {
  const decoder = compileProtoDecoder(fixture.descriptor, EVERY_TYPE_TABLE);
  const batch = new RowBatch(EVERY_TYPE_TABLE);
  assertRejects(() => decoder.decode(bytes, batch, 5n), ['offset 5', ...fragments], { offset: 5n, ...(field ? { field } : {}) });
  assert.equal(batch.rowCount, 0);
}

describe('Protobuf decoder: records from protobufjs decode to the same rows as the equivalent JSON', () => {
  const records: Record<string, unknown>[] = [
    {
      s: 'héllo ☃ 𝄞 and a string long enough to take the native UTF-8 check',
      b: true,
      i8: -128,
      i16: 32767,
      i32: -2147483648,
      i64: '-9223372036854775808',
      f: 1.5,
      d: 0.1,
      dec: '-1234567890123456789012345678.0123456789',
      day: 19723,
      ts: 1735689600123456,
      tsn: -1,
      bin: 'AAEC/w==',
      ints: [1, -2, 2147483647],
      names: ['a', '', 'ü'],
      attrs: { '7': 'seven', '-1': 'minus one' },
      loc: { lat: 52.5, lon: 13.4 },
      items: [{ x: '9223372036854775807', tags: ['t1', 't2'], at: { lat: 1 } }, { tags: [] }],
      places: { home: { lat: 1, lon: 2 }, work: {} },
      id: 42,
    },
    { id: 1, ints: [], names: [], attrs: {}, items: [], places: {} },
    { id: 2, b: false, i32: 0, s: '', loc: {}, ints: [0], names: [], attrs: { '0': '' }, items: [{ tags: ['x'] }], places: {} },
  ];

  it('decodes every type and nested combination exactly', () => {
    const proto = roundTrip(decodeProto(records.map((r) => fixture.encode(r))));
    const jsonDecoder = compileJsonDecoder(EVERY_TYPE_TABLE);
    const jsonBatch = new RowBatch(EVERY_TYPE_TABLE);
    records.forEach((r, i) => jsonDecoder.decode(JSON.stringify(r), jsonBatch, BigInt(i)));
    assert.deepEqual(proto, roundTrip(jsonBatch));

    const generated = protoFixture(
      generateProto({
        name: 'every_type',
        columns: EVERY_TYPE_TABLE.map((c) => ({ name: c.name, type_text: typeText(c.type), nullable: c.nullable })),
      }),
      'every_type',
    );
    assert.deepEqual(roundTrip(decodeProto(records.map((r) => generated.encode(r)), EVERY_TYPE_TABLE, generated.descriptor)), proto);
    assert.equal(proto[0]!.i64, -9223372036854775808n);
    assert.equal(proto[0]!.ts, 1735689600123456n);
    assert.deepEqual(proto[0]!.items, [
      { x: 9223372036854775807n, tags: ['t1', 't2'], at: { lat: 1, lon: null } },
      { x: null, tags: [], at: null },
    ]);
  });

  it('reads the descriptor with protoc-style fully qualified type names the same way', () => {
    const bytes = records.map((r) => fixture.encode(r));
    assert.deepEqual(roundTrip(decodeProto(bytes, EVERY_TYPE_TABLE, fixture.qualifiedDescriptor)), roundTrip(decodeProto(bytes)));
  });

  it('reads records handed over as views into a larger buffer', () => {
    const bytes = fixture.encode(records[0]!);
    const big = Buffer.alloc(bytes.length + 10);
    big.set(bytes, 7);
    assert.deepEqual(roundTrip(decodeProto([big.subarray(7, 7 + bytes.length)])), roundTrip(decodeProto([bytes])));
  });

  it('turns absent repeated and map fields into empty values, absent optional fields into nulls', () => {
    const [row] = roundTrip(decodeProto([fixture.encode({ id: 3 })]));
    assert.deepEqual(row, {
      ...Object.fromEntries(EVERY_TYPE_TABLE.map((c) => [c.name, null])),
      ints: [],
      names: [],
      attrs: [],
      items: [],
      places: [],
      id: 3n,
    });
  });
});

describe('Protobuf decoder: protobuf semantics', () => {
  it('accepts packed and unpacked repeated scalars in any mix', () => {
    const bytes = record((w) => {
      w.tag(F.ints, WireType.LENGTH_DELIMITED).fork().int32(1).int32(-2).ldelim();
      w.tag(F.ints, WireType.VARINT).int32(3);
      w.tag(F.ints, WireType.LENGTH_DELIMITED).fork().int32(4).ldelim();
    });
    assert.deepEqual(roundTrip(decodeProto([bytes]))[0]!.ints, [1, -2, 3, 4]);
  });

  it('keeps the last occurrence of a scalar and merges occurrences of a message', () => {
    const bytes = record((w) => {
      w.tag(F.i32, WireType.VARINT).int32(1);
      w.tag(F.s, WireType.LENGTH_DELIMITED).string('first');
      w.tag(F.loc, WireType.LENGTH_DELIMITED).fork().tag(1, WireType.FIXED64).double(1).tag(2, WireType.FIXED64).double(2).ldelim();
      w.tag(F.i32, WireType.VARINT).int32(2);
      w.tag(F.loc, WireType.LENGTH_DELIMITED).fork().tag(2, WireType.FIXED64).double(3).ldelim();
      w.tag(F.s, WireType.LENGTH_DELIMITED).string('last');
    });
    const [row] = roundTrip(decodeProto([bytes]));
    assert.equal(row!.i32, 2);
    assert.equal(row!.s, 'last');
    assert.deepEqual(row!.loc, { lat: 1, lon: 3 });
  });

  it('keeps the last value of a repeated map key, and defaults for absent keys and values', () => {
    const entry = (w: ProtoWriter, key: number | undefined, value: string | undefined): void => {
      w.tag(F.attrs, WireType.LENGTH_DELIMITED).fork();
      if (key !== undefined) w.tag(1, WireType.VARINT).int32(key);
      if (value !== undefined) w.tag(2, WireType.LENGTH_DELIMITED).string(value);
      w.ldelim();
    };
    const bytes = record((w) => {
      entry(w, 1, 'a');
      entry(w, 2, 'b');
      entry(w, 1, 'c');
      entry(w, undefined, 'zero');
      entry(w, 3, undefined);
      w.tag(F.places, WireType.LENGTH_DELIMITED).fork().tag(1, WireType.LENGTH_DELIMITED).string('nowhere').ldelim();
    });
    const [row] = roundTrip(decodeProto([bytes]));
    assert.deepEqual(row!.attrs, [
      [2, 'b'],
      [1, 'c'],
      [0, 'zero'],
      [3, ''],
    ]);
    assert.deepEqual(row!.places, [['nowhere', { lat: null, lon: null }]]);
  });

  it('reads every integer encoding the descriptor may declare', () => {
    const variants = protoFixture(
      `syntax = "proto2"; message V {
         optional sint32 a = 1; optional sfixed32 b = 2; optional fixed32 c = 3; optional uint32 d = 4;
         optional sint64 e = 5; optional sfixed64 f = 6; optional fixed64 g = 7; optional uint64 h = 8; optional int32 i = 9; }`,
      'V',
    );
    const cols = columns([
      ['a', 'int'],
      ['b', 'smallint'],
      ['c', 'bigint'],
      ['d', 'int'],
      ['e', 'bigint'],
      ['f', 'timestamp'],
      ['g', 'bigint'],
      ['h', 'bigint'],
      ['i', 'bigint'],
    ]);
    const value = { a: -5, b: -300, c: 4294967295, d: 2147483647, e: '-9223372036854775808', f: '-1', g: '9223372036854775807', h: '12', i: -7 };
    const rows = roundTrip(decodeProto([variants.encode(value)], cols, variants.descriptor));
    assert.deepEqual(rows[0], { a: -5, b: -300, c: 4294967295n, d: 2147483647, e: -9223372036854775808n, f: -1n, g: 9223372036854775807n, h: 12n, i: -7n });
    assertRejects(() => decodeProto([variants.encode({ h: '9223372036854775808' })], cols, variants.descriptor), ['field h', 'BIGINT (a signed 64-bit integer)', '9223372036854775808']);
    assertRejects(() => decodeProto([variants.encode({ d: 2147483648 })], cols, variants.descriptor), ['field d', 'INT (an integer from -2147483648 to 2147483647)']);
    assertRejects(() => decodeProto([variants.encode({ b: 40000 })], cols, variants.descriptor), ['field b', 'SMALLINT']);
  });
});

describe('Protobuf decoder: errors name offset, field and problem', () => {
  it('range-checks TINYINT/SMALLINT and never truncates an int32 that does not fit', () => {
    rejectProto(record((w) => w.tag(F.i8, WireType.VARINT).int32(200)), ['field i8', 'TINYINT (an integer from -128 to 127)', 'the number 200'], 'i8');
    rejectProto(record((w) => w.tag(F.i32, WireType.VARINT).int64(2n ** 40n)), ['field i32', 'INT', '1099511627776'], 'i32');
  });

  it('refuses a wrong wire type', () => {
    rejectProto(record((w) => w.tag(F.i32, WireType.LENGTH_DELIMITED).string('x')), ['field i32', 'wire type 2 (length-delimited)', 'declares int32', 'wire type 0 (varint)'], 'i32');
    rejectProto(record((w) => w.tag(F.loc, WireType.VARINT).int32(1)), ['field loc', 'declares a message'], 'loc');
    rejectProto(
      record((w) => w.tag(F.places, WireType.LENGTH_DELIMITED).fork().tag(1, WireType.LENGTH_DELIMITED).string('k').tag(2, WireType.LENGTH_DELIMITED).fork().tag(1, WireType.VARINT).int32(1).ldelim().ldelim()),
      ['field places["k"].lat', 'wire type 0', 'declares double'],
      'places["k"].lat',
    );
  });

  it('refuses unknown field numbers, at any depth', () => {
    rejectProto(record((w) => w.tag(99, WireType.VARINT).int32(1)), ['unknown field number 99', 'descriptor message every_type has no such field']);
    rejectProto(
      record((w) => w.tag(F.items, WireType.LENGTH_DELIMITED).fork().ldelim().tag(F.items, WireType.LENGTH_DELIMITED).fork().tag(7, WireType.FIXED32).fixed32(1).ldelim()),
      ['field items[1]', 'unknown field number 7 (32-bit)', 'message Items'],
      'items[1]',
    );
  });

  it('refuses absent NOT NULL columns and absent proto2 required fields', () => {
    rejectProto(record(() => {}, false), ['field id', 'is NOT NULL (BIGINT) but the record has no value for it'], 'id');
    const requiredOnly = protoFixture(`syntax = "proto2"; message R { required int32 temp = 1; }`, 'R');
    const nullable = columns([['temp', 'int']]);
    assertRejects(() => decodeProto([new Uint8Array(0)], nullable, requiredOnly.descriptor), ['field temp', 'declared required in the descriptor']);
  });

  it('refuses strings that are not UTF-8, short or long', () => {
    const bad = (n: number): Uint8Array => new Uint8Array([...Buffer.from('a'.repeat(n)), 0xc3, 0x28]);
    rejectProto(record((w) => w.tag(F.s, WireType.LENGTH_DELIMITED).bytes(bad(3))), ['field s', 'not valid UTF-8'], 's');
    rejectProto(
      record((w) => w.tag(F.names, WireType.LENGTH_DELIMITED).string('ok').tag(F.names, WireType.LENGTH_DELIMITED).bytes(bad(100))),
      ['field names[1]', 'not valid UTF-8'],
      'names[1]',
    );
    rejectProto(record((w) => w.tag(F.s, WireType.LENGTH_DELIMITED).bytes(bad(300))), ['field s', 'not valid UTF-8'], 's');
  });

  it('checks decimal text', () => {
    rejectProto(record((w) => w.tag(F.dec, WireType.LENGTH_DELIMITED).string('1.12345678901')), ['field dec', 'DECIMAL(38,10)', '11 digits after the decimal point'], 'dec');
  });

  it('refuses malformed bytes', () => {
    const good = fixture.encode({ id: 1, s: 'abc' });
    rejectProto(good.subarray(0, good.length - 1), ['not a valid protobuf message']);
    rejectProto(new Uint8Array([0x0a, 0x05, 0x61]), ['not a valid protobuf message', 'runs past the end']);
    rejectProto(new Uint8Array([0xa0, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), ['not a valid protobuf message', 'varint']);
    // A nested field that runs past the end of its message, though not past the record.
    rejectProto(
      record((w) => w.tag(F.loc, WireType.LENGTH_DELIMITED).raw(new Uint8Array([0x02, 0x09, 0x00])).raw(new Uint8Array(8))),
      ['not a valid protobuf message'],
    );
    rejectProto(record((w) => w.tag(F.ints, WireType.LENGTH_DELIMITED).raw(new Uint8Array([0x01, 0x80])).tag(F.i32, WireType.VARINT).int32(1)), ['not a valid protobuf message', 'packed field ints']);
  });
});

describe('Protobuf decoder: a failing message leaves the batch exactly as before', () => {
  it('rolls back a failed record and a batch message with a failed record', () => {
    const decoder = compileProtoDecoder(fixture.descriptor, EVERY_TYPE_TABLE);
    const batch = new RowBatch(EVERY_TYPE_TABLE);
    const good = fixture.encode({ id: 1, s: 'kept', items: [{ tags: ['a'] }], places: { p: { lat: 1 } }, attrs: { '1': 'x' } });
    decoder.decode(good, batch, 0n);
    const before = roundTrip(batch);
    const size = batch.byteSize;
    // Fails late: after the string, list, map and struct columns have received values.
    const late = record((w) => {
      w.tag(F.s, WireType.LENGTH_DELIMITED).string('dropped');
      w.tag(F.items, WireType.LENGTH_DELIMITED).fork().tag(2, WireType.LENGTH_DELIMITED).string('dropped').ldelim();
      w.tag(F.places, WireType.LENGTH_DELIMITED).fork().tag(1, WireType.LENGTH_DELIMITED).string('dropped').ldelim();
    }, false);
    assertRejects(() => decoder.decode(late, batch, 1n), ['field id']);
    assertRejects(() => decoder.decodeBatch([good, good, late], batch, 2n), ['record 2 of the batch at offset 2', 'field id']);
    assert.equal(batch.rowCount, 1);
    assert.equal(batch.byteSize, size);
    assert.deepEqual(roundTrip(batch), before);
    decoder.decodeBatch([good, good], batch, 3n);
    assert.equal(batch.rowCount, 3);
  });
});

describe('Protobuf decoder: the in-order fast path and the general path agree', () => {
  const FLAT = columns([
    ['s', 'string'],
    ['i32', 'int'],
    ['i64', 'bigint'],
    ['loc', 'struct<lat:double,lon:double>'],
    ['id', 'bigint', false],
  ]);
  const flat = protoFixture(
    `syntax = "proto2";
package gen;
message flat {
  optional string s = 1;
  optional int32 i32 = 2;
  optional int64 i64 = 3;
  optional Loc loc = 4;
  required int64 id = 5;
  message Loc { optional double lat = 1; optional double lon = 2; }
}`,
    'gen.flat',
  );
  type Field = (w: ProtoWriter) => void;
  const s = (v: string): Field => (w) => w.tag(1, WireType.LENGTH_DELIMITED).string(v);
  const i32 = (v: number): Field => (w) => w.tag(2, WireType.VARINT).int32(v);
  const i64 = (v: number): Field => (w) => w.tag(3, WireType.VARINT).int64(v);
  const loc = (...parts: Field[]): Field => (w) => {
    w.tag(4, WireType.LENGTH_DELIMITED).fork();
    for (const part of parts) part(w);
    w.ldelim();
  };
  const lat = (v: number): Field => (w) => w.tag(1, WireType.FIXED64).double(v);
  const lon = (v: number): Field => (w) => w.tag(2, WireType.FIXED64).double(v);
  const id = (v: number): Field => (w) => w.tag(5, WireType.VARINT).int64(v);
  const message = (...fields: Field[]): Uint8Array => {
    const w = new ProtoWriter();
    for (const f of fields) f(w);
    return w.finish().slice();
  };
  const decode = (records: Uint8Array[]) => {
    const decoder = compileProtoDecoder(flat.descriptor, FLAT);
    const batch = new RowBatch(FLAT);
    records.forEach((r, i) => decoder.decode(r, batch, BigInt(i)));
    return roundTrip(batch);
  };
  const FIELDS: Field[][] = [
    [s('a'), i32(-1), i64(2 ** 40), loc(lat(1.5), lon(-2)), id(1)],
    [i32(7), id(2)],
    [s('é'), loc(lon(3)), id(3)],
    [id(4)],
  ];
  const EXPECTED = [
    { s: 'a', i32: -1, i64: 2n ** 40n, loc: { lat: 1.5, lon: -2 }, id: 1n },
    { s: null, i32: 7, i64: null, loc: null, id: 2n },
    { s: 'é', i32: null, i64: null, loc: { lat: null, lon: 3 }, id: 3n },
    { s: null, i32: null, i64: null, loc: null, id: 4n },
  ];

  it('decodes fields in column order, in reverse order, and repeated, to the same rows', () => {
    assert.deepEqual(decode(FIELDS.map((f) => message(...f))), EXPECTED);
    assert.deepEqual(decode(FIELDS.map((f) => message(...[...f].reverse()))), EXPECTED);
    // A scalar's last occurrence wins; occurrences of a message merge.
    const repeated = message(s('old'), i32(-1), i64(2 ** 40), loc(lat(1.5)), id(9), s('a'), loc(lon(-2)), id(1));
    assert.deepEqual(decode([repeated]), [EXPECTED[0]]);
  });

  it('refuses a string whose length runs past the record without reserving room for it', () => {
    const decoder = compileProtoDecoder(flat.descriptor, FLAT);
    const batch = new RowBatch(FLAT);
    // Field 1 announces 1 GiB of text; three bytes follow.
    const hostile = message((w) => w.tag(1, WireType.LENGTH_DELIMITED).raw(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x03)).raw(Buffer.from('abc')));
    assertRejects(() => decoder.decode(hostile, batch, 3n), ['offset 3', 'not a valid protobuf message', 'past the end'], { offset: 3n });
    const strings = batch.builders[0]!;
    if (strings.kind !== 'bytes') assert.fail();
    assert.ok(strings.data.length < 1024 * 1024, `${strings.data.length} bytes reserved`);
    assert.equal(batch.rowCount, 0);
  });

  it('reads in-order tags written in more bytes than needed, as the shortest form would be read', () => {
    // Protobuf allows a varint with redundant continuation bytes: tag (5 << 3 | 0) = 40 as 0xa8 0x00.
    const padded = (fieldNumber: number, wireType: WireType): Field => (w) => {
      const tag = (fieldNumber << 3) | wireType;
      w.raw(Uint8Array.of((tag & 0x7f) | 0x80, tag >>> 7));
    };
    const record = message(
      padded(1, WireType.LENGTH_DELIMITED),
      (w) => w.string('a'),
      i32(-1),
      padded(3, WireType.VARINT),
      (w) => w.int64(2 ** 40),
      loc(lat(1.5), lon(-2)),
      padded(5, WireType.VARINT),
      (w) => w.int64(1),
    );
    assert.deepEqual(decode([record, record]), [EXPECTED[0], EXPECTED[0]]);
  });

  it('stays right once a producer\'s records stop coming in order', () => {
    const reversed = Array.from({ length: 40 }, (_, i) => message(id(i), s(`r${i}`)));
    const ordered = FIELDS.map((f) => message(...f));
    const rows = decode([...reversed, ...ordered]);
    assert.equal(rows.length, 44);
    assert.deepEqual(rows[39], { s: 'r39', i32: null, i64: null, loc: null, id: 39n });
    assert.deepEqual(rows.slice(40), EXPECTED);
  });

  it('takes field numbers up to the largest protobuf allows, and refuses field number 0', () => {
    const big = protoFixture(
      `syntax = "proto2";
package gen;
message big { optional int32 a = 1; optional string b = 268435456; required int64 c = 536870911; }`,
      'gen.big',
    );
    const cols = columns([
      ['a', 'int'],
      ['b', 'string'],
      ['c', 'bigint', false],
    ]);
    const a = (v: number): Field => (w) => w.tag(1, WireType.VARINT).int32(v);
    const b = (v: string): Field => (w) => w.tag(268435456, WireType.LENGTH_DELIMITED).string(v);
    const c = (v: number): Field => (w) => w.tag(536870911, WireType.VARINT).int64(v);
    const decoder = compileProtoDecoder(big.descriptor, cols);
    const batch = new RowBatch(cols);
    decoder.decode(message(a(1), b('x'), c(5)), batch, 0n);
    decoder.decode(message(c(6)), batch, 1n);
    decoder.decode(message(c(7), b('y')), batch, 2n);
    assert.deepEqual(roundTrip(batch), [
      { a: 1, b: 'x', c: 5n },
      { a: null, b: null, c: 6n },
      { a: null, b: 'y', c: 7n },
    ]);
    const zeroTag = Uint8Array.from([...message(a(1), c(8)), 0]);
    assertRejects(() => decoder.decode(zeroTag, batch, 3n), ['offset 3', 'not a valid protobuf message'], { offset: 3n });
    assert.equal(batch.rowCount, 3);
  });

  it('gives in-order records the general path\'s errors, and keeps nothing of them', () => {
    const decoder = compileProtoDecoder(flat.descriptor, FLAT);
    const batch = new RowBatch(FLAT);
    const reject = (bytes: Uint8Array, fragments: string[], field: string) =>
      assertRejects(() => decoder.decode(bytes, batch, 3n), ['offset 3', ...fragments], { offset: 3n, field });
    reject(message(s('a'), i32(1)), ['field id', 'NOT NULL (BIGINT) but the record has no value for it'], 'id');
    reject(message(s('a'), (w) => w.tag(2, WireType.LENGTH_DELIMITED).string('x'), id(1)), ['field i32', 'wire type 2'], 'i32');
    reject(message(s('a'), loc(lat(1), (w) => w.tag(7, WireType.VARINT).int32(1)), id(1)), ['unknown field number 7'], 'loc');
    reject(message(s('a'), (w) => w.tag(1, WireType.VARINT).int32(1), id(1)), ['field s'], 's');
    assert.equal(batch.rowCount, 0);
    decoder.decode(message(...FIELDS[0]!), batch, 4n);
    assert.deepEqual(roundTrip(batch), [EXPECTED[0]]);
  });
});
