/**
 * The official Zerobus TypeScript client (its shipped native binary) against a real Tributary server:
 * every scenario a producer runs, and every acked record found durable exactly once per send.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import protobuf from 'protobufjs';
import { loadOfficialSdk, type OfficialSdk } from '../helpers/official-sdk.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { deltaRows, type Row } from '../helpers/delta-rows.js';
import { descriptorBase64 } from '../helpers/proto.js';

const { ZerobusSdk, RecordType } = loadOfficialSdk();
const TABLE = 'main.default.air_quality';

const AIR_QUALITY_PROTO = `
syntax = "proto2";
message AirQuality {
  optional string device_name = 1;
  optional int32 temp = 2;
  optional int64 humidity = 3;
}`;
const AirQuality = protobuf.parse(AIR_QUALITY_PROTO, { keepCase: true }).root.lookupType('AirQuality');

describe('official TypeScript client against Tributary', () => {
  let t: TestServer;
  let sdk: OfficialSdk;
  let creds: { clientId: string; clientSecret: string };
  /** Every device_name the client saw acknowledged, with how many times it was sent. */
  const acked = new Map<string, number>();
  const ack = (name: string): void => {
    acked.set(name, (acked.get(name) ?? 0) + 1);
  };

  before(async () => {
    t = await startTestServer();
    await t.sql(`CREATE TABLE ${TABLE} (device_name STRING, temp INT, humidity BIGINT)`);
    creds = await t.producer('producer', TABLE);
    sdk = new ZerobusSdk(t.server.zerobusEndpoint, t.server.unityCatalogUrl);
  });

  after(async () => {
    await t.close();
  });

  const jsonStream = () =>
    sdk.createStream({ tableName: TABLE }, creds.clientId, creds.clientSecret, { recordType: RecordType.Json });
  const protoStream = () =>
    sdk.createStream({ tableName: TABLE, descriptorProto: descriptorBase64(AirQuality) }, creds.clientId, creds.clientSecret, {
      recordType: RecordType.Proto,
    });

  test('JSON single records: each ingestRecord resolves to its offset after the ack', async () => {
    const stream = await jsonStream();
    for (let i = 0; i < 20; i++) {
      const offset = await stream.ingestRecord({ device_name: `json-single-${i}`, temp: i, humidity: 1000 + i });
      assert.equal(offset, BigInt(i));
      ack(`json-single-${i}`);
    }
    await stream.close();
  });

  test('JSON batches: one offset per batch', async () => {
    const stream = await jsonStream();
    for (let b = 0; b < 5; b++) {
      const batch = Array.from({ length: 100 }, (_, i) => ({ device_name: `json-batch-${b}-${i}`, temp: i, humidity: b }));
      const offset = await stream.ingestRecords(batch);
      assert.equal(offset, BigInt(b));
      batch.forEach((r) => ack(r.device_name));
    }
    await stream.close();
  });

  test('proto single records and batches', async () => {
    const stream = await protoStream();
    for (let i = 0; i < 10; i++) {
      const msg = AirQuality.create({ device_name: `proto-single-${i}`, temp: -i, humidity: 2 ** 40 + i });
      await stream.ingestRecord(msg);
      ack(`proto-single-${i}`);
    }
    const batch = Array.from({ length: 500 }, (_, i) =>
      Buffer.from(AirQuality.encode({ device_name: `proto-batch-${i}`, temp: i, humidity: i }).finish()),
    );
    await stream.ingestRecords(batch);
    for (let i = 0; i < 500; i++) ack(`proto-batch-${i}`);
    await stream.close();
  });

  test('ingestRecordOffset + waitForOffset, then flush and close', async () => {
    const stream = await jsonStream();
    let last = -1n;
    for (let i = 0; i < 1000; i++) {
      last = await stream.ingestRecordOffset({ device_name: `offset-${i}`, temp: i, humidity: i });
    }
    assert.equal(last, 999n);
    await stream.waitForOffset(500n);
    await stream.flush();
    for (let i = 0; i < 1000; i++) ack(`offset-${i}`);
    await stream.close();
  });

  test('many concurrent streams to one table', async () => {
    await Promise.all(
      Array.from({ length: 8 }, async (_, s) => {
        const stream = await jsonStream();
        for (let b = 0; b < 10; b++) {
          await stream.ingestRecordsOffset(
            Array.from({ length: 50 }, (_, i) => ({ device_name: `conc-${s}-${b}-${i}`, temp: s, humidity: b })),
          );
        }
        await stream.flush();
        await stream.close();
        for (let b = 0; b < 10; b++) for (let i = 0; i < 50; i++) ack(`conc-${s}-${b}-${i}`);
      }),
    );
  });

  test('after shutdown, every acked record is in the Delta table exactly once per send, with its values', async () => {
    const table = await t.server.catalog.getTable({ catalog: 'main', schema: 'default', table: 'air_quality' });
    await t.server.close();
    const rows: Row[] = await deltaRows(table);
    const seen = new Map<string, number>();
    for (const row of rows) seen.set(String(row.device_name), (seen.get(String(row.device_name)) ?? 0) + 1);
    for (const [name, times] of acked) assert.equal(seen.get(name), times, `${name} durable ${seen.get(name) ?? 0} times, sent ${times}`);
    assert.equal(rows.length, [...acked.values()].reduce((a, b) => a + b, 0));
    const big = rows.find((r: Row) => r.device_name === 'proto-single-3');
    assert.deepEqual(big, { device_name: 'proto-single-3', temp: -3, humidity: BigInt(2 ** 40 + 3) });
  });
});
