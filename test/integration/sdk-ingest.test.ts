import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { RecordType, ZerobusError, ZerobusSdk, loadDescriptorProto } from '../../src/sdk/index.js';
import { ScriptedZerobusServer } from '../helpers/scripted-zerobus-server.js';

const TABLE = 'main.default.air_quality';

test('JSON stream: records and batches go out with wire offsets 0,1,2 and resolve to logical offsets', async () => {
  const server = await ScriptedZerobusServer.start();
  const sdk = new ZerobusSdk(server.endpoint, server.ucUrl);
  try {
    const stream = await sdk.createStream({ tableName: TABLE }, 'id', 'secret', { recordType: RecordType.Json });
    assert.equal(await stream.ingestRecordOffset({ device_name: 'a', temp: 1, humidity: 2n.toString() }), 0n);
    assert.equal(await stream.ingestRecordOffset('{"device_name":"b"}'), 1n);
    assert.equal(await stream.ingestRecordsOffset([{ device_name: 'c' }, '{"device_name":"d"}']), 2n);
    assert.equal(await stream.ingestRecordsOffset([]), null);
    assert.equal(await stream.ingestRecordsOffset(['{"only":1}']), 3n);
    await stream.flush();
    await stream.close();

    const call = server.calls[0]!;
    assert.deepEqual(call.requests[0], { kind: 'create_stream', tableName: TABLE, recordType: 2 });
    assert.deepEqual(call.requests.slice(1), [
      { kind: 'ingest_record', offsetId: 0n, record: { kind: 'json', json: '{"device_name":"a","temp":1,"humidity":"2"}' } },
      { kind: 'ingest_record', offsetId: 1n, record: { kind: 'json', json: '{"device_name":"b"}' } },
      { kind: 'ingest_record_batch', offsetId: 2n, batch: { kind: 'json', records: ['{"device_name":"c"}', '{"device_name":"d"}'] } },
      { kind: 'ingest_record', offsetId: 3n, record: { kind: 'json', json: '{"only":1}' } },
    ]);
    assert.equal(call.halfClosed, true);
    assert.equal(call.header('authorization'), 'Bearer token-0');
    assert.equal(call.header('x-databricks-zerobus-table-name'), TABLE);
    assert.deepEqual(server.scriptErrors, []);
  } finally {
    sdk.close();
    await server.stop();
  }
});

test('PROTO stream: descriptor re-encoded into create_stream; messages and buffers as proto records', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sdk-proto-'));
  const server = await ScriptedZerobusServer.start();
  const sdk = new ZerobusSdk(server.endpoint, server.ucUrl);
  try {
    const protoFile = path.join(dir, 'air_quality.proto');
    await writeFile(
      protoFile,
      'syntax = "proto2";\npackage examples;\nmessage AirQuality {\n  optional string device_name = 1;\n  optional int32 temp = 2;\n  optional int64 humidity = 3;\n}\n',
    );
    const descriptorProto = loadDescriptorProto(protoFile, 'examples.AirQuality');
    const AirQuality = new protobuf.Root().loadSync(protoFile, { keepCase: true }).lookupType('examples.AirQuality');
    // The descriptor keeps snake_case names: the server matches them to column names.
    const parsed = descriptor.DescriptorProto.decode(Buffer.from(descriptorProto, 'base64')).toJSON();
    assert.deepEqual((parsed.field as Array<{ name: string }>).map((f) => f.name), ['device_name', 'temp', 'humidity']);

    const stream = await sdk.createStream({ tableName: TABLE, descriptorProto }, 'id', 'secret');
    const message = AirQuality.create({ device_name: 'a', temp: 1, humidity: 2 });
    const bytes = AirQuality.encode({ device_name: 'b', temp: 3, humidity: 4 }).finish();
    assert.equal(await stream.ingestRecordOffset(message), 0n);
    assert.equal(await stream.ingestRecordsOffset([bytes, message]), 1n);
    await assert.rejects(stream.ingestRecordOffset({ device_name: 'plain object' }), /Record type does not match stream configuration/);
    await stream.close();

    const [create, first, batch] = server.calls[0]!.requests;
    assert.equal(create?.kind === 'create_stream' && create.recordType, 1);
    assert.equal(create?.kind === 'create_stream' && Buffer.from(create.descriptorProto!).toString('base64'), descriptorProto);
    assert.deepEqual(first?.kind === 'ingest_record' && first.record.kind === 'proto' && [...first.record.bytes], [
      ...AirQuality.encode(message).finish(),
    ]);
    assert.equal(batch?.kind === 'ingest_record_batch' && batch.batch.records.length, 2);
  } finally {
    sdk.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('local validation happens before any network traffic, with the official messages', async () => {
  const server = await ScriptedZerobusServer.start();
  const sdk = new ZerobusSdk(server.endpoint, server.ucUrl);
  try {
    await assert.rejects(
      sdk.createStream({ tableName: 'main.air_quality' }, 'id', 'secret', { recordType: RecordType.Json }),
      (e: ZerobusError) =>
        e.message ===
          'Failed to create stream: Specified UC table name is invalid: Table name must have exactly 3 parts (catalog.schema.table), found 2 parts.' &&
        !e.isRetryable,
    );
    // No options at all means PROTO, which needs a descriptor.
    await assert.rejects(sdk.createStream({ tableName: TABLE }, 'id', 'secret'), /Proto record type requires descriptor_proto on TableProperties/);
    const fileDescriptor = Buffer.from(
      descriptor.FileDescriptorProto.encode(descriptor.FileDescriptorProto.fromObject({ name: 'x.proto', package: 'pkg' })).finish(),
    ).toString('base64');
    await assert.rejects(
      sdk.createStream({ tableName: TABLE, descriptorProto: fileDescriptor }, 'id', 'secret', { recordType: RecordType.Proto }),
      /Failed to parse descriptor proto: /,
    );
    assert.equal(server.tokenRequests.length, 0);
    assert.equal(server.calls.length, 0);

    // A JSON stream ignores a descriptor; oversize records are refused locally and the stream stays usable.
    const stream = await sdk.createStream({ tableName: TABLE, descriptorProto: fileDescriptor }, 'id', 'secret', {
      recordType: RecordType.Json,
    });
    await assert.rejects(
      stream.ingestRecordOffset('x'.repeat(11_000_000)),
      /^ZerobusError: Failed to ingest record: Invalid argument: Ingest payload too large: 11000000 bytes/,
    );
    await assert.rejects(stream.ingestRecordOffset(Buffer.from('{}')), (e: ZerobusError) =>
      e.message === 'Failed to ingest record: Invalid argument: Record type does not match stream configuration.',
    );
    assert.equal(await stream.ingestRecordOffset({ ok: true }), 0n);
    await stream.close();
    const create = server.calls[0]!.requests[0]!;
    assert.deepEqual(create, { kind: 'create_stream', tableName: TABLE, recordType: 2 });
    assert.equal(server.calls[0]!.requests.length, 2);
  } finally {
    sdk.close();
    await server.stop();
  }
});

test('a headers provider replaces OAuth: its headers are sent, and both required headers are enforced', async () => {
  const server = await ScriptedZerobusServer.start();
  const sdk = new ZerobusSdk(server.endpoint, server.ucUrl);
  try {
    let calls = 0;
    const stream = await sdk.createStream({ tableName: TABLE }, '', '', { recordType: RecordType.Json }, {
      getHeadersCallback: async () => {
        calls++;
        return [
          ['authorization', `Bearer pat-${calls}`],
          ['x-databricks-zerobus-table-name', TABLE],
          ['x-custom', 'abc'],
        ];
      },
    });
    await stream.ingestRecordOffset({ a: 1 });
    await stream.close();
    assert.equal(server.tokenRequests.length, 0);
    assert.equal(server.calls[0]!.header('authorization'), 'Bearer pat-1');
    assert.equal(server.calls[0]!.header('x-custom'), 'abc');
    await assert.rejects(
      sdk.createStream({ tableName: TABLE }, '', '', { recordType: RecordType.Json }, { getHeadersCallback: () => [['authorization', 'Bearer x']] }),
      /HeadersProvider must include 'x-databricks-zerobus-table-name' header/,
    );
    assert.equal(server.calls.length, 1);
  } finally {
    sdk.close();
    await server.stop();
  }
});

test('https endpoints: TLS for both the gRPC call and the token request, trusting a given CA', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sdk-tls-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', key, '-out', cert,
    ], { stdio: 'ignore' });
    const tls = { key: await readFile(key), cert: await readFile(cert) };
    const server = await ScriptedZerobusServer.start(undefined, { tls });
    const trusting = new ZerobusSdk(server.endpoint, server.ucUrl, { caCertificates: tls.cert });
    const untrusting = new ZerobusSdk(server.endpoint, server.ucUrl, { caCertificates: '' });
    try {
      const stream = await trusting.createStream({ tableName: TABLE }, 'id', 'secret', { recordType: RecordType.Json });
      await stream.ingestRecordOffset({ over: 'tls' });
      await stream.close();
      assert.equal(server.tokenRequests.length, 1);
      assert.equal(server.ingestRequests().length, 1);
      await assert.rejects(
        untrusting.createStream({ tableName: TABLE }, 'id', 'secret', { recordType: RecordType.Json, recoveryRetries: 0 }),
        (e: ZerobusError) => e.isRetryable && /Token fetch failed: Network error: /.test(e.message),
      );
    } finally {
      trusting.close();
      untrusting.close();
      await server.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('streams of one SDK share one connection; close half-closes and cancels a call the server leaves open', async () => {
  const server = await ScriptedZerobusServer.start(async (call) => {
    await call.acceptCreate();
    for (let m = await call.next(); m; m = await call.next()) if (m.kind !== 'create_stream') call.ack(m.offsetId);
    // Never ends the call: the client must give up on trailers and cancel.
  });
  const sdk = new ZerobusSdk(server.endpoint, server.ucUrl);
  try {
    const options = { recordType: RecordType.Json };
    const a = await sdk.createStream({ tableName: TABLE }, 'id', 'secret', options);
    const b = await sdk.createStream({ tableName: 'main.default.other' }, 'id', 'secret', options);
    await Promise.all([a.ingestRecordOffset({ s: 'a' }), b.ingestRecordOffset({ s: 'b' })]);
    await Promise.all([a.close(), b.close()]);
    assert.equal(server.calls[0]!.peer, server.calls[1]!.peer);
    for (const call of server.calls) {
      await call.gone();
      assert.equal(call.halfClosed, true);
    }
    while (!server.calls.every((c) => c.cancelled)) await new Promise((resolve) => setTimeout(resolve, 10));
    await assert.rejects(a.flush(), /Stream has been closed/);
  } finally {
    sdk.close();
    await server.stop();
  }
});
