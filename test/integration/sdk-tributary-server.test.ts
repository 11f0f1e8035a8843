/**
 * Tributary's own SDK against a real Tributary server: every acknowledged record lands in the Delta
 * table exactly once per send, and the server's refusals reach the producer as typed errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import protobuf from 'protobufjs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RecordType, ZerobusError, ZerobusSdk, loadDescriptorProto } from '../../src/sdk/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { deltaRows, type Row } from '../helpers/delta-rows.js';

const TABLE = 'main.default.air_quality';
const AIR_QUALITY_PROTO =
  'syntax = "proto2";\nmessage AirQuality {\n  optional string device_name = 1;\n  optional int32 temp = 2;\n  optional int64 humidity = 3;\n}\n';

describe('Tributary SDK against a Tributary server', () => {
  let t: TestServer;
  let sdk: ZerobusSdk;
  let creds: { clientId: string; clientSecret: string };
  let dir: string;
  let descriptorProto: string;
  let AirQuality: protobuf.Type;
  /** device_name → how many times the SDK saw it acknowledged. */
  const acked = new Map<string, number>();
  const ack = (name: string): void => void acked.set(name, (acked.get(name) ?? 0) + 1);

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sdk-server-'));
    const protoFile = path.join(dir, 'air_quality.proto');
    await writeFile(protoFile, AIR_QUALITY_PROTO);
    descriptorProto = loadDescriptorProto(protoFile, 'AirQuality');
    AirQuality = new protobuf.Root().loadSync(protoFile, { keepCase: true }).lookupType('AirQuality');
    t = await startTestServer();
    await t.sql(`CREATE TABLE ${TABLE} (device_name STRING, temp INT, humidity BIGINT)`);
    creds = await t.producer('producer', TABLE);
    sdk = new ZerobusSdk(t.server.zerobusEndpoint, t.server.unityCatalogUrl);
  });

  after(async () => {
    sdk.close();
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  const jsonStream = () => sdk.createStream({ tableName: TABLE }, creds.clientId, creds.clientSecret, { recordType: RecordType.Json });

  test('JSON: records in a loop, one flush', async () => {
    const stream = await jsonStream();
    for (let i = 0; i < 2000; i++) {
      assert.equal(await stream.ingestRecordOffset({ device_name: `json-${i}`, temp: i % 50, humidity: i }), BigInt(i));
    }
    await stream.flush();
    for (let i = 0; i < 2000; i++) ack(`json-${i}`);
    await stream.close();
  });

  test('JSON batches and deprecated per-record acks', async () => {
    const stream = await jsonStream();
    for (let b = 0; b < 5; b++) {
      const batch = Array.from({ length: 200 }, (_, i) => ({ device_name: `jb-${b}-${i}`, temp: b, humidity: i }));
      assert.equal(await stream.ingestRecords(batch), BigInt(b));
      batch.forEach((r) => ack(r.device_name));
    }
    assert.equal(await stream.ingestRecord('{"device_name":"jb-single","temp":1,"humidity":2}'), 5n);
    ack('jb-single');
    await stream.close();
  });

  test('PROTO: message objects, buffers and batches', async () => {
    const stream = await sdk.createStream({ tableName: TABLE, descriptorProto }, creds.clientId, creds.clientSecret, {
      recordType: RecordType.Proto,
    });
    for (let i = 0; i < 10; i++) {
      await stream.ingestRecordOffset(AirQuality.create({ device_name: `proto-${i}`, temp: -i, humidity: 2 ** 40 + i }));
      ack(`proto-${i}`);
    }
    const batch = Array.from({ length: 300 }, (_, i) => AirQuality.encode({ device_name: `pb-${i}`, temp: i, humidity: i }).finish());
    await stream.ingestRecordsOffset(batch);
    for (let i = 0; i < 300; i++) ack(`pb-${i}`);
    await stream.flush();
    await stream.close();
  });

  test('concurrent streams on one SDK', async () => {
    await Promise.all(
      Array.from({ length: 6 }, async (_, s) => {
        const stream = await jsonStream();
        for (let b = 0; b < 10; b++) {
          await stream.ingestRecordsOffset(Array.from({ length: 40 }, (_, i) => ({ device_name: `c-${s}-${b}-${i}`, temp: s, humidity: b })));
        }
        await stream.close();
        for (let b = 0; b < 10; b++) for (let i = 0; i < 40; i++) ack(`c-${s}-${b}-${i}`);
      }),
    );
  });

  test('large batches of varying size, many in flight, arrive intact (their message memory is reused)', async () => {
    // 70–600 KB messages: above the size from which the SDK reuses message buffers, of sizes that fit one
    // another's buffers, sent without waiting so that several are written while later ones are encoded.
    const json = await jsonStream();
    const proto = await sdk.createStream({ tableName: TABLE, descriptorProto }, creds.clientId, creds.clientSecret, {
      recordType: RecordType.Proto,
    });
    const names = (b: number, format: string) =>
      Array.from({ length: 1000 }, (_, i) => `big-${format}-${b}-${i}-${String.fromCharCode(97 + ((b + i) % 26)).repeat(70 + ((b * 37) % 530))}`);
    const sends: Promise<bigint | null>[] = [];
    for (let b = 0; b < 30; b++) {
      sends.push(json.ingestRecordsOffset(names(b, 'json').map((device_name, i) => ({ device_name, temp: b, humidity: i }))));
      sends.push(
        proto.ingestRecordsOffset(names(b, 'proto').map((device_name, i) => AirQuality.encode({ device_name, temp: b, humidity: i }).finish())),
      );
    }
    await Promise.all(sends);
    await Promise.all([json.close(), proto.close()]);
    for (let b = 0; b < 30; b++) for (const format of ['json', 'proto']) names(b, format).forEach(ack);
  });

  test('a record the table cannot take fails the stream with INVALID_ARGUMENT; the rest stays for a retry', async () => {
    const stream = await jsonStream();
    await stream.ingestRecordOffset({ device_name: 'before-bad', temp: 1, humidity: 1 });
    await stream.flush();
    ack('before-bad');
    const bad = stream.ingestRecord({ device_name: 'bad', temp: 'not a number', humidity: 1 });
    const error = await bad.then(() => assert.fail('must reject'), (e: unknown) => e);
    assert.ok(error instanceof ZerobusError);
    assert.equal(error.isRetryable, false);
    assert.equal(error.code, 3);
    assert.match(error.message, /temp/);
    assert.deepEqual((await stream.getUnackedRecords()).map(String), ['{"device_name":"bad","temp":"not a number","humidity":1}']);
    await stream.close();
  });

  test('wrong credentials fail fast at creation', async () => {
    await assert.rejects(
      sdk.createStream({ tableName: TABLE }, creds.clientId, 'wrong-secret', { recordType: RecordType.Json }),
      (e: ZerobusError) => !e.isRetryable && /Specified UC token is in invalid format: Client error \(40\d\)/.test(e.message),
    );
  });

  test('after shutdown every acknowledged record is in the Delta table exactly once per send', async () => {
    const table = await t.server.catalog.getTable({ catalog: 'main', schema: 'default', table: 'air_quality' });
    await t.server.close();
    const rows: Row[] = await deltaRows(table);
    const seen = new Map<string, number>();
    for (const row of rows) seen.set(String(row.device_name), (seen.get(String(row.device_name)) ?? 0) + 1);
    for (const [name, times] of acked) assert.equal(seen.get(name), times, `${name}: durable ${seen.get(name) ?? 0} times, acked ${times}`);
    assert.equal(rows.length, [...acked.values()].reduce((a, b) => a + b, 0));
    assert.deepEqual(
      rows.find((r) => r.device_name === 'proto-3'),
      { device_name: 'proto-3', temp: -3, humidity: BigInt(2 ** 40 + 3) },
    );
  });
});
