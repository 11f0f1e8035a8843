import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import descriptorExt from 'protobufjs/ext/descriptor/index.js';
import { typeText } from '../../../src/catalog/types.js';
import { generateProto } from '../../../src/cli/proto-gen/generate.js';
import { compileRecordPlan } from '../../../src/ingest/descriptor.js';
import { compileProtoDecoder } from '../../../src/ingest/proto-decoder.js';
import { EVERY_TYPE_PROTO, EVERY_TYPE_TABLE, assertRejects, columns, protoFixture } from './helpers.js';

const AIR_QUALITY = columns([
  ['device_name', 'string'],
  ['temp', 'int'],
  ['humidity', 'bigint'],
]);

function airQuality(fields: string, extra = ''): ReturnType<typeof protoFixture> {
  return protoFixture(`syntax = "proto2"; message AirQuality { ${fields} ${extra} }`, 'AirQuality');
}

describe('descriptor: what the official generator and clients produce is accepted', () => {
  it('accepts the generated message of a table of every type, with relative and fully qualified type names', () => {
    const fixture = protoFixture(EVERY_TYPE_PROTO, 'gen.every_type');
    for (const bytes of [fixture.descriptor, fixture.qualifiedDescriptor]) {
      const plan = compileRecordPlan(bytes, EVERY_TYPE_TABLE);
      assert.deepEqual(
        plan.fields.map((f) => [f.name, f.number, f.shape.kind, f.required]),
        EVERY_TYPE_TABLE.map((c, i) => [c.name, i + 1, c.type.kind === 'array' ? 'repeated' : c.type.kind === 'map' ? 'map' : 'single', c.name === 'id']),
      );
    }
  });

  it("accepts what Tributary's generate-proto writes for the table, compiled by protobufjs", () => {
    // The generator names the map's value struct Places, as protobufjs names the map's entry type.
    const text = generateProto({
      name: 'main.default.every_type',
      columns: EVERY_TYPE_TABLE.map((c) => ({ name: c.name, type_text: typeText(c.type), nullable: c.nullable })),
    });
    const fixture = protoFixture(text, 'every_type');
    for (const bytes of [fixture.descriptor, fixture.qualifiedDescriptor]) {
      const plan = compileRecordPlan(bytes, EVERY_TYPE_TABLE);
      assert.equal(plan.fields.length, EVERY_TYPE_TABLE.length);
    }
  });

  it('accepts the exact descriptor the official TypeScript client sent for air_quality', () => {
    // 77 bytes captured on the wire (official-ts-client-behaviour.md §7), json_name included.
    const captured = airQuality('optional string device_name = 1; optional int32 temp = 2; optional int64 humidity = 3;');
    const withJsonName = descriptorExt.DescriptorProto.encode(
      descriptorExt.DescriptorProto.fromObject({
        name: 'AirQuality',
        field: [
          { name: 'device_name', number: 1, label: 1, type: 9, jsonName: 'deviceName' },
          { name: 'temp', number: 2, label: 1, type: 5, jsonName: 'temp' },
          { name: 'humidity', number: 3, label: 1, type: 3, jsonName: 'humidity' },
        ],
      }),
    ).finish();
    for (const bytes of [captured.descriptor, withJsonName]) {
      assert.deepEqual(
        compileRecordPlan(bytes, AIR_QUALITY).fields.map((f) => f.shape.kind === 'single' && f.shape.value.kind === 'scalar' && f.shape.value.codec),
        ['string', 'int32', 'int64'],
      );
    }
  });

  it('accepts integer variants whose values fit, and leaves nullable columns without a field null', () => {
    const fixture = airQuality('optional sint32 temp = 7; optional fixed64 humidity = 9;');
    const plan = compileRecordPlan(fixture.descriptor, AIR_QUALITY);
    assert.deepEqual(
      plan.fields.map((f) => [f.name, f.number, f.shape.kind]),
      [
        ['device_name', null, 'absent'],
        ['temp', 7, 'single'],
        ['humidity', 9, 'single'],
      ],
    );
  });
});

describe('descriptor: mismatches are refused, naming the field and both types', () => {
  it('refuses a field that matches no column', () => {
    const fixture = airQuality('optional string device_name = 1; optional int32 temperature = 2;');
    assertRejects(() => compileRecordPlan(fixture.descriptor, AIR_QUALITY), ['descriptor field temperature', 'matches no column', 'device_name, temp, humidity'], {
      field: 'temperature',
    });
  });

  it('refuses a descriptor without a field for a NOT NULL column', () => {
    const table = columns([['device_name', 'string'], ['temp', 'int', false]]);
    const fixture = airQuality('optional string device_name = 1;');
    assertRejects(() => compileRecordPlan(fixture.descriptor, table), ['column temp (INT) is NOT NULL', 'message AirQuality has no field for it'], { field: 'temp' });
    const nested = columns([['loc', 'struct<lat:double not null,lon:double>']]);
    assertRejects(
      () => compileRecordPlan(airQuality('optional Loc loc = 1;', 'message Loc { optional double lon = 2; }').descriptor, nested),
      ['column loc.lat (DOUBLE) is NOT NULL'],
      { field: 'loc.lat' },
    );
  });

  it('refuses protobuf types that do not fit the column type', () => {
    const cases: [string, string, string[]][] = [
      ['temp INT', 'optional int64 temp = 2;', ['descriptor field temp is optional int64', 'column temp is INT', 'expected int32 (or sint32, sfixed32, uint32, fixed32)']],
      ['temp INT', 'optional string temp = 2;', ['is optional string', 'expected int32']],
      ['humidity BIGINT', 'optional double humidity = 3;', ['is optional double', 'column humidity is BIGINT', 'expected int64']],
      ['device_name STRING', 'optional bytes device_name = 1;', ['is optional bytes', 'column device_name is STRING', 'expected string']],
      ['temp INT', 'repeated int32 temp = 2;', ['is repeated int32', 'expected a non-repeated int32']],
      ['temp INT', 'optional Loc temp = 2;', ['is optional message AirQuality.Loc', 'expected int32']],
    ];
    for (const [, fields, fragments] of cases) {
      assertRejects(() => compileRecordPlan(airQuality(fields, 'message Loc { optional double lat = 1; }').descriptor, AIR_QUALITY), fragments);
    }
    const nested = columns([
      ['xs', 'array<int>'],
      ['m', 'map<string,int>'],
      ['loc', 'struct<lat:double>'],
    ]);
    const nestedCases: [string, string[]][] = [
      ['optional int32 xs = 1;', ['descriptor field xs is optional int32', 'ARRAY<INT>', 'expected repeated int32']],
      ['map<int32, int32> m = 2;', ['descriptor field m.key is', 'column m.key is STRING', 'expected string']],
      ['repeated KV m = 2;', ['descriptor field m is repeated message T.KV', 'MAP<STRING, INT>', 'expected map<string, int32>']],
      ['optional Loc loc = 3;', ['descriptor field loc.lat is optional int64', 'column loc.lat is DOUBLE', 'expected double (or float)']],
      ['optional int32 loc = 3;', ['descriptor field loc is optional int32', 'STRUCT<lat: DOUBLE>', 'expected a nested message']],
      ['optional Loc2 loc = 3;', ['descriptor field loc.lat is optional string']],
    ];
    for (const [fields, fragments] of nestedCases) {
      const fixture = protoFixture(
        `syntax = "proto2"; message T { ${fields} message KV { optional string k = 1; } message Loc { optional int64 lat = 1; } message Loc2 { optional string lat = 1; } }`,
        'T',
      );
      assertRejects(() => compileRecordPlan(fixture.descriptor, nested), fragments);
    }
  });

  it('refuses enum and group fields', () => {
    const withEnum = airQuality('optional Level temp = 2; enum Level { LOW = 0; HIGH = 1; }');
    assertRejects(() => compileRecordPlan(withEnum.descriptor, AIR_QUALITY), ['descriptor field temp', 'enum fields are not supported']);
    const withGroup = descriptorExt.DescriptorProto.encode(
      descriptorExt.DescriptorProto.fromObject({
        name: 'AirQuality',
        field: [{ name: 'temp', number: 2, label: 1, type: 10, typeName: 'Temp' }],
        nestedType: [{ name: 'Temp', field: [] }],
      }),
    ).finish();
    assertRejects(() => compileRecordPlan(withGroup, AIR_QUALITY), ['descriptor field temp', 'groups are not supported']);
  });

  it('refuses two nested messages of the same name (a map entry and a message may share one)', () => {
    const bytes = descriptorExt.DescriptorProto.encode(
      descriptorExt.DescriptorProto.fromObject({
        name: 'AirQuality',
        field: [{ name: 'temp', number: 2, label: 1, type: 5 }],
        nestedType: [{ name: 'Loc' }, { name: 'Loc' }],
      }),
    ).finish();
    assertRejects(() => compileRecordPlan(bytes, AIR_QUALITY), ['declares message AirQuality.Loc twice']);
  });

  it('refuses references to types the lone descriptor does not contain', () => {
    const bytes = descriptorExt.DescriptorProto.encode(
      descriptorExt.DescriptorProto.fromObject({
        name: 'AirQuality',
        field: [{ name: 'humidity', number: 3, label: 1, type: 11, typeName: '.google.protobuf.Timestamp' }],
      }),
    ).finish();
    assertRejects(() => compileRecordPlan(bytes, AIR_QUALITY), ['refers to type .google.protobuf.Timestamp', 'not declared inside the descriptor', 'int64 microseconds'], { field: 'humidity' });
  });

  it('names a FileDescriptorProto or FileDescriptorSet passed instead of a DescriptorProto', () => {
    const fixture = protoFixture(`syntax = "proto2"; package demo; message AirQuality { optional string device_name = 1; }`, 'demo.AirQuality');
    assertRejects(() => compileRecordPlan(fixture.file, AIR_QUALITY), ['holds a FileDescriptorProto', 'file.message_type[0]']);
    assertRejects(() => compileRecordPlan(fixture.fileSet, AIR_QUALITY), ['holds a FileDescriptorSet']);
    const noPackage = protoFixture(`syntax = "proto2"; message AirQuality { optional string device_name = 1; }`, 'AirQuality');
    assertRejects(() => compileRecordPlan(noPackage.file, AIR_QUALITY), ['holds a FileDescriptorProto']);
  });

  it('refuses malformed bytes', () => {
    const good = airQuality('optional string device_name = 1;').descriptor;
    assertRejects(() => compileRecordPlan(good.subarray(0, good.length - 3), AIR_QUALITY), ['not a valid DescriptorProto']);
    assertRejects(() => compileRecordPlan(new Uint8Array([0xff, 0xff, 0xff]), AIR_QUALITY), ['not a valid DescriptorProto']);
    assertRejects(() => compileRecordPlan(new Uint8Array([]), AIR_QUALITY), ['not a valid DescriptorProto', 'message name ""']);
    const duplicate = descriptorExt.DescriptorProto.encode(
      descriptorExt.DescriptorProto.fromObject({
        name: 'AirQuality',
        field: [
          { name: 'temp', number: 2, label: 1, type: 5 },
          { name: 'humidity', number: 2, label: 1, type: 3 },
        ],
      }),
    ).finish();
    assertRejects(() => compileRecordPlan(duplicate, AIR_QUALITY), ['(#2) is declared twice']);
  });

  it('refuses VARIANT columns before looking at the descriptor', () => {
    const table = columns([['payload', 'variant']]);
    assertRejects(() => compileProtoDecoder(airQuality('optional string payload = 1;').descriptor, table), ['column payload is VARIANT']);
  });
});
