/**
 * The official client against bad input: each case gets a clear error on the client side, the server keeps
 * serving, and what was acked before stays in the table.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { decodeResponse, encodeCreateStream, encodeIngestRecord } from '../../src/protocol/codec.js';
import { EPHEMERAL_STREAM_PATH } from '../../src/protocol/messages.js';
import { deltaRows } from '../helpers/delta-rows.js';
import { loadOfficialSdk, type OfficialSdk, type OfficialStream } from '../helpers/official-sdk.js';
import { descriptorBase64 } from '../helpers/proto.js';
import { tableToken } from '../helpers/oauth-token.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const { ZerobusSdk, RecordType } = loadOfficialSdk();
const TABLE = 'main.default.sensors';
const OTHER = 'main.default.other';

type HeadersProvider = { getHeadersCallback: () => [string, string][] };
type CreateWithHeaders = (
  props: { tableName: string; descriptorProto?: string },
  clientId: string,
  clientSecret: string,
  options: Record<string, unknown>,
  headers: HeadersProvider,
) => Promise<OfficialStream>;

describe('official client against bad input', () => {
  let t: TestServer;
  let sdk: OfficialSdk;
  let creds: { clientId: string; clientSecret: string };
  const json = { recordType: RecordType.Json, recovery: false };

  /** A token from the OAuth endpoint, asked for exactly as the SDKs ask for one. */
  const tokenFor = (table: string): Promise<string> => tableToken(t.server.unityCatalogUrl, creds, table);

  /** Creates a stream whose headers the test chooses, through the official client's headers provider. */
  function createWithHeaders(tableName: string, token: string, tableHeader: string): Promise<OfficialStream> {
    const create = sdk.createStream as unknown as CreateWithHeaders;
    return create.call(sdk, { tableName }, creds.clientId, creds.clientSecret, json, {
      getHeadersCallback: () => [
        ['authorization', `Bearer ${token}`],
        ['x-databricks-zerobus-table-name', tableHeader],
      ],
    });
  }

  before(async () => {
    t = await startTestServer();
    await t.sql(`CREATE TABLE ${TABLE} (device STRING NOT NULL, temp INT, at TIMESTAMP)`);
    await t.sql(`CREATE TABLE ${OTHER} (device STRING NOT NULL, temp INT, at TIMESTAMP)`);
    creds = await t.producer('producer', TABLE);
    sdk = new ZerobusSdk(t.server.zerobusEndpoint, t.server.unityCatalogUrl);
    const stream = await sdk.createStream({ tableName: TABLE }, creds.clientId, creds.clientSecret, json);
    await stream.ingestRecords(Array.from({ length: 10 }, (_, i) => ({ device: `before-${i}`, temp: i, at: 1_700_000_000_000_000 + i })));
    await stream.close();
  });

  after(() => t.close());

  test('a table the principal has no grant on: the token request is refused, naming table and privilege', async () => {
    await assert.rejects(
      sdk.createStream({ tableName: OTHER }, creds.clientId, creds.clientSecret, json),
      /invalid format: Client error \(403\).*lacks SELECT on table main\.default\.other/s,
    );
  });

  test('a token for one table presented for another: PERMISSION_DENIED', async () => {
    const token = await tokenFor(TABLE);
    await assert.rejects(
      createWithHeaders(OTHER, token, OTHER),
      /permission.*does not grant MODIFY on table main\.default\.other/s,
    );
  });

  test('a table header that names another table than create_stream: INVALID_ARGUMENT', async () => {
    const token = await tokenFor(TABLE);
    await assert.rejects(
      createWithHeaders(OTHER, token, TABLE),
      /invalid argument.*create_stream names table main\.default\.other but the x-databricks-zerobus-table-name header names main\.default\.sensors/s,
    );
  });

  test('a tampered token: UNAUTHENTICATED, saying why', async () => {
    const token = await tokenFor(TABLE);
    const [h, p, s] = token.split('.');
    const tampered = `${h}.${p}.${s!.slice(0, -4)}AAAA`;
    await assert.rejects(
      createWithHeaders(TABLE, tampered, TABLE),
      /authentication credentials.*signature/s,
    );
  });

  test('a descriptor with a field the table lacks: INVALID_ARGUMENT naming the field', async () => {
    const type = protobuf
      .parse('syntax = "proto2"; message Sensor { required string device = 1; optional int32 temp = 2; optional string colour = 3; }', {
        keepCase: true,
      })
      .root.lookupType('Sensor');
    await assert.rejects(
      sdk.createStream({ tableName: TABLE, descriptorProto: descriptorBase64(type) }, creds.clientId, creds.clientSecret, {
        recordType: RecordType.Proto,
        recovery: false,
      }),
      /invalid argument.*colour/s,
    );
  });

  test('a record of the wrong shape: INVALID_ARGUMENT naming offset, column and expectation; earlier acks stay', async () => {
    const stream = await sdk.createStream({ tableName: TABLE }, creds.clientId, creds.clientSecret, json);
    await stream.ingestRecord({ device: 'good-1', temp: 1, at: 1_700_000_000_000_000 });
    await assert.rejects(
      stream.ingestRecord({ device: 'bad', temp: 2, at: '2025-01-01T00:00:00Z' }),
      /invalid argument.*offset 1.*at.*microseconds/is,
    );
    await stream.close().catch(() => undefined);
  });

  test('an 11 MB record: refused before it is sent; the stream stays usable', async () => {
    const stream = await sdk.createStream({ tableName: TABLE }, creds.clientId, creds.clientSecret, json);
    await assert.rejects(stream.ingestRecord({ device: 'x'.repeat(11_000_000) }), /payload too large/i);
    await stream.ingestRecord({ device: 'after-big', temp: 3, at: 0 });
    await stream.close();
  });

  test('an 11 MB message from a client that does not check: INVALID_ARGUMENT naming the limit', async () => {
    // Built below any SDK, with grpc-js and the wire codec, as a foreign client would send it.
    const token = await tokenFor(TABLE);
    const client = new grpc.Client(t.server.zerobusEndpoint.replace('http://', ''), grpc.credentials.createInsecure(), {
      'grpc.max_send_message_length': -1,
    });
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    metadata.set('x-databricks-zerobus-table-name', TABLE);
    const call = client.makeBidiStreamRequest(EPHEMERAL_STREAM_PATH, (b: Buffer) => b, (b: Buffer) => b, metadata);
    const responses: string[] = [];
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.on('data', (b: Buffer) => responses.push(decodeResponse(b).kind));
    call.on('error', () => undefined);
    call.write(encodeCreateStream({ tableName: TABLE, recordType: 2 }));
    call.write(encodeIngestRecord(0n, { kind: 'json', json: JSON.stringify({ device: 'y'.repeat(11_000_000) }) }));
    const { code, details } = await status;
    client.close();
    assert.deepEqual(responses, ['create_stream_response']);
    assert.equal(code, grpc.status.INVALID_ARGUMENT);
    assert.match(details, /exceeds the limit of \d+ bytes/);
  });

  test('the server still serves, and every record acked before the bad ones is in the table', async () => {
    const stream = await sdk.createStream({ tableName: TABLE }, creds.clientId, creds.clientSecret, json);
    await stream.ingestRecord({ device: 'after-all', temp: 4, at: 0 });
    await stream.close();
    const table = await t.server.catalog.getTable({ catalog: 'main', schema: 'default', table: 'sensors' });
    await t.server.close();
    const devices = (await deltaRows(table)).map((r) => r.device).sort();
    assert.deepEqual(devices, [...Array.from({ length: 10 }, (_, i) => `before-${i}`), 'after-all', 'after-big', 'good-1'].sort());
  });
});
