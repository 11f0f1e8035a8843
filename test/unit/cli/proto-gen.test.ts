/**
 * The `.proto` generator: byte-exact output in the official tool's format, every type mapping, every
 * refusal, and generated files that protobufjs loads and Tributary's descriptor check accepts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import protobuf from 'protobufjs';
import descriptorExt from 'protobufjs/ext/descriptor/index.js';
import { parseTypeText, type Column } from '../../../src/catalog/types.js';
import { TributaryError } from '../../../src/errors.js';
import { toArrowSchema } from '../../../src/delta/arrow-schema.js';
import { toArrowRecordBatch } from '../../../src/ingest/arrow-batch.js';
import { compileRecordPlan } from '../../../src/ingest/descriptor.js';
import { compileProtoDecoder } from '../../../src/ingest/proto-decoder.js';
import { RowBatch } from '../../../src/ingest/row-batch.js';
import { generateProto, type GeneratorColumn } from '../../../src/cli/proto-gen/generate.js';

const col = (name: string, type_text: string, nullable = true): GeneratorColumn => ({ name, type_text, nullable });

/** The one field line generated for a single column. */
function fieldLineFor(column: GeneratorColumn): string {
  const lines = generateProto({ name: 't', columns: [column] }).split('\n');
  return lines[3]!;
}

function refusal(columns: GeneratorColumn[], opts = {}): TributaryError {
  try {
    generateProto({ name: 'main.default.t', columns }, opts);
  } catch (e) {
    assert.ok(e instanceof TributaryError, `expected a TributaryError, got ${String(e)}`);
    assert.equal(e.kind, 'invalid_argument');
    return e;
  }
  assert.fail('expected the generator to refuse');
}

/** The record message's DescriptorProto bytes, built by protobufjs from the generated text. */
function descriptorOf(protoText: string, messageName: string): Uint8Array {
  const type = protobuf.parse(protoText, { keepCase: true }).root.lookupType(messageName);
  const DescriptorProto = (descriptorExt as unknown as { DescriptorProto: protobuf.Type }).DescriptorProto;
  const desc = (type as unknown as { toDescriptor(syntax: string): protobuf.Message }).toDescriptor('proto2');
  return DescriptorProto.encode(desc).finish();
}

function columnsOf(columns: GeneratorColumn[]): Column[] {
  return columns.map((c, position) => ({ name: c.name, type: parseTypeText(c.type_text), nullable: c.nullable, position }));
}

describe('generateProto output format', () => {
  test('matches the official tool byte for byte: tabs, nested messages before their field, trailing newline', () => {
    const proto = generateProto({
      name: 'main.default.orders',
      columns: [
        col('id', 'int', false),
        col('name', 'string'),
        col('props', 'map<string,bigint>'),
        col('scores', 'array<double>', false),
        col('address', 'struct<street:string,geo:struct<lat:double,lon:double>>'),
        col('items', 'array<struct<sku:string,qty:int>>'),
      ],
    });
    assert.equal(
      proto,
      [
        'syntax = "proto2";',
        '',
        'message orders {',
        '\trequired int32 id = 1;',
        '\toptional string name = 2;',
        '\tmap<string, int64> props = 3;',
        '\trepeated double scores = 4;',
        '\tmessage Address {',
        '\t\toptional string street = 1;',
        '\t\tmessage Geo {',
        '\t\t\toptional double lat = 1;',
        '\t\t\toptional double lon = 2;',
        '\t\t}',
        '',
        '\t\toptional Geo geo = 2;',
        '\t}',
        '',
        '\toptional Address address = 5;',
        '\t\tmessage Items {',
        '\t\t\toptional string sku = 1;',
        '\t\t\toptional int32 qty = 2;',
        '\t\t}',
        '',
        '\trepeated Items items = 6;',
        '}',
        '',
      ].join('\n'),
    );
  });

  test('the message is named by --proto-msg, else by the last part of the table name', () => {
    const columns = [col('a', 'int')];
    assert.match(generateProto({ name: 'main.default.air_quality', columns }), /^message air_quality \{$/m);
    assert.match(generateProto({ name: 'air_quality', columns }), /^message air_quality \{$/m);
    assert.match(generateProto({ name: 'main.default.air_quality', columns }, { messageName: 'AirQuality' }), /^message AirQuality \{$/m);
  });

  test('a message name that is not an identifier is refused and --proto-msg is suggested', () => {
    const e = refusal([col('a', 'int')], { messageName: 'air-quality' });
    assert.match(e.message, /"air-quality" is not a valid Protobuf identifier; choose one with --proto-msg/);
  });

  test('struct fields are optional even when NOT NULL; struct columns follow the column nullability', () => {
    const proto = generateProto({ name: 't', columns: [col('loc', 'struct<lat:double NOT NULL,lon:double>', false)] });
    assert.match(proto, /\t\toptional double lat = 1;\n\t\toptional double lon = 2;\n/);
    assert.match(proto, /\trequired Loc loc = 1;\n/);
  });

  test('field numbers run 1, 2, 3 … and skip the reserved range 19000–19999', () => {
    const columns = Array.from({ length: 19_001 }, (_, i) => col(`c${i + 1}`, 'int'));
    const proto = generateProto({ name: 't', columns });
    assert.match(proto, /\toptional int32 c1 = 1;\n/);
    assert.match(proto, /\toptional int32 c18999 = 18999;\n\toptional int32 c19000 = 20000;\n\toptional int32 c19001 = 20001;\n/);
    assert.doesNotMatch(proto, / = 19\d\d\d;/);
  });
});

describe('generateProto type mapping', () => {
  const cases: [string, string][] = [
    ['tinyint', 'int32'],
    ['byte', 'int32'],
    ['smallint', 'int32'],
    ['short', 'int32'],
    ['int', 'int32'],
    ['integer', 'int32'],
    ['date', 'int32'],
    ['bigint', 'int64'],
    ['long', 'int64'],
    ['timestamp', 'int64'],
    ['timestamp_ntz', 'int64'],
    ['float', 'float'],
    ['double', 'double'],
    ['string', 'string'],
    ['varchar(20)', 'string'],
    ['variant', 'string'],
    ['boolean', 'bool'],
    ['binary', 'bytes'],
    ['STRING', 'string'],
  ];
  for (const [sql, proto] of cases) {
    test(`${sql} → ${proto}, optional when nullable and required when NOT NULL`, () => {
      assert.equal(fieldLineFor(col('v', sql)), `\toptional ${proto} v = 1;`);
      assert.equal(fieldLineFor(col('v', sql, false)), `\trequired ${proto} v = 1;`);
    });
  }

  test('DECIMAL becomes decimal text, with a comment saying it is a Tributary extension', () => {
    assert.equal(
      fieldLineFor(col('price', 'decimal(10,2)')),
      '\toptional string price = 1; // decimal(10,2) as decimal text such as "123.45"; a Tributary extension, the official generator has no DECIMAL mapping',
    );
    assert.match(fieldLineFor(col('prices', 'array<decimal(5,1)>')), /^\trepeated string prices = 1; \/\/ decimal\(5,1\) as decimal text/);
    assert.match(fieldLineFor(col('m', 'map<string,decimal(38,0)>')), /^\tmap<string, string> m = 1; \/\/ decimal\(38,0\)/);
  });

  test('arrays are repeated whatever the nullability; maps have no label', () => {
    assert.equal(fieldLineFor(col('tags', 'array<string>', true)), '\trepeated string tags = 1;');
    assert.equal(fieldLineFor(col('tags', 'array<string>', false)), '\trepeated string tags = 1;');
    assert.equal(fieldLineFor(col('m', 'map<int,boolean>', false)), '\tmap<int32, bool> m = 1;');
    assert.equal(fieldLineFor(col('m', 'map<bigint,binary>')), '\tmap<int64, bytes> m = 1;');
    assert.equal(fieldLineFor(col('m', 'map<date,timestamp>')), '\tmap<int32, int64> m = 1;');
    assert.equal(fieldLineFor(col('m', 'map<boolean,string>')), '\tmap<bool, string> m = 1;');
  });

  test('a map of structs declares the value message, named after the column', () => {
    const proto = generateProto({ name: 't', columns: [col('by_id', 'map<string,struct<x:int>>')] });
    assert.match(proto, /\t\tmessage ById \{\n\t\t\toptional int32 x = 1;\n\t\t\}\n\n\tmap<string, ById> by_id = 1;\n/);
  });

  test('struct messages with clashing names are disambiguated with a number', () => {
    const proto = generateProto({
      name: 't',
      columns: [col('a_b', 'struct<x:int>'), col('aB', 'struct<y:int>'), col('Loc', 'struct<z:int>'), col('_', 'struct<w:int>')],
    });
    assert.match(proto, /\tmessage AB \{[^}]*\}\n\n\toptional AB a_b = 1;/);
    assert.match(proto, /\tmessage AB2 \{[^}]*\}\n\n\toptional AB2 aB = 2;/);
    // A message may not share its name with a field of the same message.
    assert.match(proto, /\tmessage Loc2 \{[^}]*\}\n\n\toptional Loc2 Loc = 3;/);
    // No PascalCase form: the official tool's StructN fallback, counting every struct so far.
    assert.match(proto, /\tmessage Struct4 \{[^}]*\}\n\n\toptional Struct4 _ = 4;/);
    protobuf.parse(proto, { keepCase: true });
  });
});

describe('generateProto refusals', () => {
  const refused: [string, string, RegExp][] = [
    ['nested arrays', 'array<array<int>>', /column c: nested arrays are not supported/],
    ['arrays of maps', 'array<map<string,int>>', /column c: arrays of maps are not supported/],
    ['map keys that are maps', 'map<map<string,int>,int>', /column c: maps with map keys are not supported/],
    ['map keys that are arrays', 'map<array<int>,int>', /column c: maps with array keys are not supported/],
    ['map values that are maps', 'map<string,map<string,int>>', /column c: maps with map values are not supported/],
    ['map values that are arrays', 'map<string,array<int>>', /column c: maps with array values are not supported/],
    ['double map keys', 'map<double,int>', /column c: unsupported map key type double/],
    ['binary map keys', 'map<binary,int>', /column c: unsupported map key type binary/],
    ['decimal map keys', 'map<decimal(10,2),int>', /column c: unsupported map key type decimal\(10,2\)/],
    ['struct map keys', 'map<struct<a:int>,int>', /column c: unsupported map key type struct<a:int>/],
    ['unknown types', 'geometry', /column c: unsupported type "geometry" \(unknown type 'geometry'\)/],
    ['malformed types', 'array<int', /column c: unsupported type "array<int"/],
    ['nested arrays inside structs', 'struct<a:array<array<int>>>', /column c\.a: nested arrays are not supported/],
  ];
  for (const [what, typeText, message] of refused) {
    test(`refuses ${what}`, () => {
      const e = refusal([col('ok', 'int'), col('c', typeText)]);
      assert.match(e.message, message);
      assert.equal(e.context.table, 'main.default.t');
    });
  }

  test('refuses nesting deeper than 100 levels, as the official tool counts them', () => {
    const nested = (depth: number): string => (depth === 0 ? 'int' : `struct<a:${nested(depth - 1)}>`);
    // Column at level 1, 99 structs inside: the innermost field is at level 100.
    assert.doesNotThrow(() => generateProto({ name: 't', columns: [col('a', nested(99))] }));
    const e = refusal([col('a', nested(100))]);
    assert.match(e.message, /nesting deeper than 100 levels/);
  });

  const badNames: [string, RegExp][] = [
    ['1st', /"1st" cannot be a Protobuf field name: it starts with a digit/],
    ['a-b', /"a-b" cannot be a Protobuf field name: Protobuf names are ASCII letters, digits and underscores/],
    ['naïve', /"naïve" cannot be a Protobuf field name/],
    ['a b', /"a b" cannot be a Protobuf field name/],
    ['message', /"message" cannot be a Protobuf field name: it is a reserved word/],
    ['string', /"string" cannot be a Protobuf field name: it is a reserved word/],
    ['max', /"max" cannot be a Protobuf field name: it is a reserved word/],
  ];
  for (const [name, message] of badNames) {
    test(`refuses the column name ${JSON.stringify(name)}`, () => {
      const e = refusal([col(name, 'int')]);
      assert.match(e.message, message);
      assert.equal(e.context.field, name);
    });
  }

  test('refuses struct field names that are not identifiers, naming the path', () => {
    const e = refusal([col('loc', 'struct<`lat deg`:double>')]);
    assert.match(e.message, /column loc\.lat deg: "lat deg" cannot be a Protobuf field name/);
  });
});

describe('generated files are usable', () => {
  const everyType = [
    col('tiny', 'tinyint'),
    col('small', 'smallint'),
    col('i', 'int', false),
    col('big', 'bigint'),
    col('f', 'float'),
    col('d', 'double'),
    col('s', 'string'),
    col('b', 'boolean'),
    col('bin', 'binary'),
    col('day', 'date'),
    col('ts', 'timestamp'),
    col('ts_ntz', 'timestamp_ntz'),
    col('price', 'decimal(10,2)'),
    col('tags', 'array<string>'),
    col('attrs', 'map<string,bigint>'),
    col('counts', 'map<int,double>'),
    col('loc', 'struct<lat:double,lon:double,where:struct<city:string,zip:int>>'),
    col('items', 'array<struct<sku:string,qty:int,price:decimal(10,2)>>'),
    col('by_sku', 'map<string,struct<qty:int>>'),
  ];

  test('protobufjs loads the generated file and can encode a record', () => {
    const root = protobuf.parse(generateProto({ name: 'main.default.everything', columns: everyType }), { keepCase: true }).root;
    const type = root.lookupType('everything');
    const message = type.fromObject({ i: 1, tags: ['a'], loc: { lat: 1.5, where: { city: 'Oslo' } }, by_sku: { x: { qty: 2 } } });
    const decoded = type.toObject(type.decode(type.encode(message).finish())) as Record<string, unknown>;
    assert.deepEqual(decoded.tags, ['a']);
    assert.deepEqual(decoded.loc, { lat: 1.5, where: { city: 'Oslo' } });
    assert.deepEqual(decoded.by_sku, { x: { qty: 2 } });
  });

  test("Tributary's descriptor check accepts the message for the table it was generated from", () => {
    const proto = generateProto({ name: 'main.default.everything', columns: everyType });
    const plan = compileRecordPlan(descriptorOf(proto, 'everything'), columnsOf(everyType));
    assert.equal(plan.messageName, 'everything');
    assert.deepEqual(
      plan.fields.map((f) => [f.name, f.number]),
      everyType.map((c, i) => [c.name, i + 1]),
    );
  });

  test("a record encoded with the generated file decodes with the server's decoder, values intact", () => {
    const proto = generateProto({ name: 'main.default.everything', columns: everyType });
    const type = protobuf.parse(proto, { keepCase: true }).root.lookupType('everything');
    const columns = columnsOf(everyType);
    const decoder = compileProtoDecoder(descriptorOf(proto, 'everything'), columns);
    const record = type.fromObject({
      tiny: -5,
      i: 7,
      big: '9223372036854775807',
      s: 'héllo',
      bin: 'AAEC',
      day: 19723,
      ts: 1_704_067_200_123_456,
      price: '12.34',
      tags: ['a', 'b'],
      attrs: { k: 3 },
      loc: { lat: 59.9, where: { city: 'Oslo', zip: 150 } },
      items: [{ sku: 'x', qty: 2, price: '1.50' }],
      by_sku: { x: { qty: 4 } },
    });
    const batch = new RowBatch(columns);
    decoder.decode(type.encode(record).finish(), batch, 0n);
    const row = toArrowRecordBatch(batch, toArrowSchema(columns)).get(0)!.toJSON() as Record<string, unknown>;
    assert.equal(row.tiny, -5);
    assert.equal(row.i, 7);
    assert.equal(row.big, 9223372036854775807n);
    assert.equal(row.s, 'héllo');
    assert.deepEqual([...(row.bin as Uint8Array)], [0, 1, 2]);
    assert.equal(row.ts, 1_704_067_200_123.456, 'microseconds, shown by Arrow as fractional milliseconds');
    assert.deepEqual([...(row.tags as Iterable<string>)], ['a', 'b']);
    assert.equal(row.small, null);
  });

  test('the descriptor check accepts disambiguated struct messages', () => {
    const columns = [col('a_b', 'struct<x:int>'), col('aB', 'struct<y:string>'), col('Loc', 'struct<z:int>')];
    const proto = generateProto({ name: 't', columns });
    assert.doesNotThrow(() => compileRecordPlan(descriptorOf(proto, 't'), columnsOf(columns)));
  });
});
