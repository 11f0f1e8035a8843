import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { descriptorBytes, loadDescriptorProto } from '../../../src/sdk/descriptor.js';
import { ProtoWriter, WireType } from '../../../src/protocol/protobuf-wire.js';

const PROTO = `syntax = "proto2";
package telemetry;
message AirQuality {
  optional string device_name = 1;
  required int32 temp = 2;
  repeated int64 readings = 3;
  message Location { optional double lat = 1; optional double lon = 2; }
  optional Location location = 4;
}
`;

type Described = { name: string; field: Array<{ name: string; number: number }>; nestedType?: Array<{ name: string }> };

async function withProto<T>(body: (protoFile: string, dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sdk-descriptor-'));
  try {
    const protoFile = path.join(dir, 'air_quality.proto');
    await writeFile(protoFile, PROTO);
    return await body(protoFile, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const decode = (base64: string): Described =>
  descriptor.DescriptorProto.decode(Buffer.from(base64, 'base64')).toJSON() as Described;

test('from a .proto file: one DescriptorProto with the field names as written and nested types included', async () => {
  await withProto(async (protoFile) => {
    const d = decode(loadDescriptorProto(protoFile, 'telemetry.AirQuality'));
    assert.equal(d.name, 'AirQuality');
    assert.deepEqual(d.field.map((f) => [f.name, f.number]), [['device_name', 1], ['temp', 2], ['readings', 3], ['location', 4]]);
    assert.deepEqual(d.nestedType?.map((n) => n.name), ['Location']);
    assert.throws(() => loadDescriptorProto(protoFile, 'Missing'));
  });
});

test('from a FileDescriptorSet, with the official helper arguments', async () => {
  await withProto(async (protoFile, dir) => {
    const root = new protobuf.Root().loadSync(protoFile, { keepCase: true }) as protobuf.Root & {
      toDescriptor(syntax: string): protobuf.Message;
    };
    const setFile = path.join(dir, 'air_quality.pb');
    await writeFile(setFile, descriptor.FileDescriptorSet.encode(root.toDescriptor('proto2')).finish());
    const set = descriptor.FileDescriptorSet.decode(readFileSync(setFile)).toJSON() as { file: Array<{ name: string }> };
    const protoFileName = set.file[0]!.name;
    const fromSet = loadDescriptorProto({ descriptorPath: setFile, protoFileName, messageName: 'AirQuality' });
    assert.deepEqual(decode(fromSet).field.map((f) => f.name), ['device_name', 'temp', 'readings', 'location']);
    assert.throws(
      () => loadDescriptorProto({ descriptorPath: setFile, protoFileName: 'other.proto', messageName: 'AirQuality' }),
      /Proto file 'other.proto' not found in descriptor/,
    );
    assert.throws(
      () => loadDescriptorProto({ descriptorPath: setFile, protoFileName, messageName: 'Nope' }),
      /Message 'Nope' not found in .*Available messages: AirQuality/,
    );
  });
});

test('a descriptor is re-encoded before sending: unknown fields dropped, a FileDescriptorProto refused', async () => {
  await withProto(async (protoFile) => {
    const base64 = loadDescriptorProto(protoFile, 'telemetry.AirQuality');
    const original = Buffer.from(base64, 'base64');
    const withUnknown = Buffer.concat([original, new ProtoWriter().tag(99, WireType.VARINT).uint32(1).finish()]);
    assert.deepEqual(Buffer.from(descriptorBytes(withUnknown.toString('base64'))), original);
    const file = descriptor.FileDescriptorProto.encode(
      descriptor.FileDescriptorProto.fromObject({ name: 'air_quality.proto', package: 'telemetry' }),
    ).finish();
    assert.throws(() => descriptorBytes(Buffer.from(file).toString('base64')), /^ZerobusError: Failed to parse descriptor proto: /);
  });
});
