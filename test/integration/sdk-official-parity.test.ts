/**
 * The official native client and ours, driven through the same calls against the same scripted server,
 * must be indistinguishable on the wire: same OAuth request body and headers, same gRPC request
 * metadata (apart from the user agent and grpc-js's transport headers), same request messages byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import protobuf from 'protobufjs';
import { RecordType, ZerobusSdk, loadDescriptorProto } from '../../src/sdk/index.js';
import { status } from '@grpc/grpc-js';
import {
  ScriptedZerobusServer,
  autoAck,
  type Script,
  type ScriptedCall,
  type TokenRequestRecord,
} from '../helpers/scripted-zerobus-server.js';

const TABLE = 'main.default.air_quality';

/** The subset of the official binding these tests drive. */
interface OfficialStream {
  ingestRecordOffset(payload: unknown): Promise<bigint>;
  ingestRecordsOffset(payloads: unknown[]): Promise<bigint | null>;
  flush(): Promise<void>;
  close(): Promise<void>;
}
interface OfficialSdk {
  createStream(
    table: { tableName: string; descriptorProto?: string },
    clientId: string,
    clientSecret: string,
    options?: Record<string, unknown>,
  ): Promise<OfficialStream>;
}
type Client = { createStream: OfficialSdk['createStream'] };

const official = createRequire(import.meta.url)(
  '@databricks/zerobus-ingest-sdk-linux-x64-gnu/zerobus-ingest-sdk.linux-x64-gnu.node',
) as { ZerobusSdk: new (endpoint: string, uc: string) => OfficialSdk };

/** Runs `drive` with a client built by `make` against a fresh server; returns what the server saw. */
async function capture(
  make: (endpoint: string, uc: string) => { client: Client; dispose(): void },
  drive: (client: Client) => Promise<void>,
  script: Script = autoAck,
): Promise<{ tokens: TokenRequestRecord[]; calls: ScriptedCall[] }> {
  const server = await ScriptedZerobusServer.start(script);
  const { client, dispose } = make(server.endpoint, server.ucUrl);
  try {
    await drive(client);
    assert.deepEqual(server.scriptErrors, []);
    return { tokens: server.tokenRequests, calls: server.calls };
  } finally {
    dispose();
    await server.stop();
  }
}

const ours = (endpoint: string, uc: string): { client: Client; dispose(): void } => {
  const sdk = new ZerobusSdk(endpoint, uc);
  return { client: sdk as unknown as Client, dispose: () => sdk.close() };
};
const theirs = (endpoint: string, uc: string): { client: Client; dispose(): void } => ({
  client: new official.ZerobusSdk(endpoint, uc),
  dispose: () => undefined,
});

/** Token request headers that must match, lower-cased, without the ones that vary by connection. */
function tokenHeaders(record: TokenRequestRecord): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < record.rawHeaders.length; i += 2) {
    const name = record.rawHeaders[i]!.toLowerCase();
    if (name === 'host' || name === 'connection') continue;
    out.push([name, record.rawHeaders[i + 1]!]);
  }
  return out.sort(([a], [b]) => a.localeCompare(b));
}

/** Call metadata that carries meaning (user agent and grpc-js transport headers aside). */
function callHeaders(call: ScriptedCall): Record<string, string> {
  const { 'user-agent': _ua, 'grpc-accept-encoding': _gae, 'accept-encoding': _ae, ...rest } = call.headers();
  return rest;
}

function assertSameWire(
  a: { tokens: TokenRequestRecord[]; calls: ScriptedCall[] },
  b: { tokens: TokenRequestRecord[]; calls: ScriptedCall[] },
): void {
  assert.equal(a.tokens.length, b.tokens.length, 'token requests');
  for (let i = 0; i < a.tokens.length; i++) {
    assert.equal(a.tokens[i]!.body, b.tokens[i]!.body, 'OAuth form body');
    assert.equal(a.tokens[i]!.url, b.tokens[i]!.url);
    assert.deepEqual(tokenHeaders(a.tokens[i]!), tokenHeaders(b.tokens[i]!), 'OAuth headers');
  }
  assert.equal(a.calls.length, b.calls.length, 'calls');
  for (let i = 0; i < a.calls.length; i++) {
    assert.deepEqual(callHeaders(a.calls[i]!), callHeaders(b.calls[i]!), 'call metadata');
    assert.deepEqual(
      a.calls[i]!.raw.map((m) => m.toString('hex')),
      b.calls[i]!.raw.map((m) => m.toString('hex')),
      'request messages',
    );
  }
}

test('JSON stream: the official client and ours send the same OAuth request, metadata and messages', async () => {
  const drive = async (client: Client): Promise<void> => {
    const stream = await client.createStream({ tableName: TABLE }, 'client-id', 'sécret:with:colons', { recordType: RecordType.Json });
    await stream.ingestRecordOffset({ device_name: 'sensor-1', temp: 21, humidity: 55 });
    await stream.ingestRecordOffset('{"device_name":"sensor-2","temp":22,"humidity":56}');
    await stream.ingestRecordsOffset([{ device_name: 'a', temp: 1, humidity: 2 }, '{"device_name":"b","temp":3,"humidity":4}']);
    await stream.ingestRecordsOffset([{ device_name: 'ünïcødé 日本', temp: -1, humidity: 0 }]);
    await stream.flush();
    await stream.close();
  };
  const a = await capture(theirs, drive);
  const b = await capture(ours, drive);
  assert.equal(a.calls[0]!.raw.length, 5);
  assertSameWire(a, b);
});

test('PROTO stream: same descriptor, records and batches on the wire as the official client', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sdk-parity-'));
  try {
    const protoFile = path.join(dir, 'air_quality.proto');
    await writeFile(
      protoFile,
      'syntax = "proto2";\nmessage AirQuality {\n  optional string device_name = 1;\n  optional int32 temp = 2;\n  optional int64 humidity = 3;\n}\n',
    );
    const descriptorProto = loadDescriptorProto(protoFile, 'AirQuality');
    const AirQuality = new protobuf.Root().loadSync(protoFile, { keepCase: true }).lookupType('AirQuality');
    const drive = async (client: Client): Promise<void> => {
      const stream = await client.createStream({ tableName: TABLE, descriptorProto }, 'id', 'secret', { recordType: RecordType.Proto });
      await stream.ingestRecordOffset(AirQuality.create({ device_name: 'm1', temp: 20, humidity: 40 }));
      await stream.ingestRecordOffset(Buffer.from(AirQuality.encode({ device_name: 'b1', temp: 21, humidity: 41 }).finish()));
      await stream.ingestRecordsOffset([
        AirQuality.create({ device_name: 'm2', temp: 22, humidity: 42 }),
        Buffer.from(AirQuality.encode({ device_name: 'b2', temp: 23, humidity: 43 }).finish()),
      ]);
      await stream.flush();
      await stream.close();
    };
    const a = await capture(theirs, drive);
    const b = await capture(ours, drive);
    assert.equal(a.calls[0]!.raw.length, 4);
    assertSameWire(a, b);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('recovery: both clients replay the same unacked messages, renumbered from wire offset 0, with a new token', async () => {
  const script: Script = async (call) => {
    if (call.index > 0) return autoAck(call);
    await call.acceptCreate();
    for (let seen = 0; seen < 3; ) if ((await call.next())?.kind === 'ingest_record') seen++;
    call.ack(0);
    call.end(status.UNAVAILABLE, 'moving');
  };
  const drive = async (client: Client): Promise<void> => {
    const stream = await client.createStream({ tableName: TABLE }, 'id', 'secret', { recordType: RecordType.Json, recoveryBackoffMs: 10 });
    for (let n = 0; n < 3; n++) await stream.ingestRecordOffset({ n });
    await stream.flush();
    await stream.close();
  };
  const a = await capture(theirs, drive, script);
  const b = await capture(ours, drive, script);
  assert.equal(a.calls.length, 2);
  assert.equal(a.calls[1]!.raw.length, 3);
  assertSameWire(a, b);
});
