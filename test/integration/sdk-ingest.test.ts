import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordType, ZerobusSdk } from '../../src/sdk/index.js';
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
