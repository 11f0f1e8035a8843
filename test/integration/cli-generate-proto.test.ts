/**
 * `tributary generate-proto` against a real Tributary server: the token and catalog calls over HTTP, the
 * file it writes, a record encoded with that file accepted by the server, and errors that name their cause.
 */
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import protobuf from 'protobufjs';
import descriptorExt from 'protobufjs/ext/descriptor/index.js';
import { compileRecordPlan } from '../../src/ingest/descriptor.js';
import { generateProto } from '../../src/cli/proto-gen/generate.js';
import { fetchTable, fetchToken, tableColumns } from '../../src/cli/uc-client.js';
import { runGenerateProto } from '../../src/cli/generate-proto.js';
import { loadOfficialSdk } from '../helpers/official-sdk.js';
import { runCli } from '../helpers/run-cli.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const TABLE = 'main.default.readings';

/** The URL of a loopback port nothing listens on. */
async function closedPortUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('tributary generate-proto against a real server', () => {
  let t: TestServer;
  let dir: string;
  let producer: { clientId: string; clientSecret: string };
  let stranger: { clientId: string; clientSecret: string };

  before(async () => {
    t = await startTestServer();
    dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-genproto-'));
    await t.sql(
      `CREATE TABLE ${TABLE} (device_name STRING NOT NULL, temp INT, humidity BIGINT, small SMALLINT, tiny TINYINT,
         ratio FLOAT, score DOUBLE, ok BOOLEAN, raw BINARY, day DATE, at TIMESTAMP, local_at TIMESTAMP_NTZ,
         price DECIMAL(10,2), tags ARRAY<STRING>, attrs MAP<STRING,BIGINT>, loc STRUCT<lat: DOUBLE, lon: DOUBLE>,
         readings ARRAY<STRUCT<at: TIMESTAMP, value: DOUBLE>>)`,
    );
    await t.sql('CREATE TABLE main.default.bad_shape (grid ARRAY<ARRAY<INT>>)');
    producer = await t.producer('producer', TABLE);
    await t.sql('GRANT USE CATALOG ON CATALOG main TO `producer`; GRANT USE SCHEMA ON SCHEMA main.default TO `producer`; GRANT SELECT ON TABLE main.default.bad_shape TO `producer`');
    stranger = await t.principal('stranger');
  });

  after(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  const baseArgs = (creds: { clientId: string; clientSecret: string }, table: string, output: string): string[] => [
    'generate-proto',
    '--uc-endpoint',
    t.server.unityCatalogUrl,
    '--client-id',
    creds.clientId,
    '--client-secret',
    creds.clientSecret,
    '--table',
    table,
    '--output',
    output,
  ];

  test('the command writes the generated schema of the table the REST API describes', async () => {
    const output = path.join(dir, 'readings.proto');
    const result = await runCli([...baseArgs(producer, TABLE, output), '--proto-msg', 'Reading']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `Successfully generated proto file at: ${output}\n`);
    const written = await readFile(output, 'utf8');
    const token = await fetchToken(t.server.unityCatalogUrl, producer);
    const table = await fetchTable(t.server.unityCatalogUrl, token, TABLE);
    assert.equal(written, generateProto({ name: TABLE, columns: table.columns }, { messageName: 'Reading' }));
    assert.match(written, /^message Reading \{$/m);
    assert.match(written, /\trequired string device_name = 1;\n/);
    assert.match(written, /\trepeated Readings readings = 17;\n/);
  });

  test('credentials can come from the environment', async () => {
    const output = path.join(dir, 'from-env.proto');
    const result = await runCli(['generate-proto', '--table', TABLE, '--output', output], {
      env: {
        TRIBUTARY_UC_ENDPOINT: t.server.unityCatalogUrl,
        ZEROBUS_CLIENT_ID: producer.clientId,
        ZEROBUS_CLIENT_SECRET: producer.clientSecret,
      },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(await readFile(output, 'utf8'), /^message readings \{$/m);
  });

  test("the server's descriptor check and stream accept a record encoded with the generated file", async () => {
    const output = path.join(dir, 'for-stream.proto');
    const proto = await runGenerateProto({ ucEndpoint: t.server.unityCatalogUrl, ...producer, table: TABLE, output });
    const type = protobuf.parse(proto, { keepCase: true }).root.lookupType('readings');
    const DescriptorProto = (descriptorExt as unknown as { DescriptorProto: protobuf.Type }).DescriptorProto;
    const descriptor = DescriptorProto.encode(
      (type as unknown as { toDescriptor(syntax: string): protobuf.Message }).toDescriptor('proto2'),
    ).finish();
    const token = await fetchToken(t.server.unityCatalogUrl, producer);
    const columns = tableColumns(await fetchTable(t.server.unityCatalogUrl, token, TABLE));
    assert.doesNotThrow(() => compileRecordPlan(descriptor, columns));

    const { ZerobusSdk, RecordType } = loadOfficialSdk();
    const sdk = new ZerobusSdk(t.server.zerobusEndpoint, t.server.unityCatalogUrl);
    const stream = await sdk.createStream(
      { tableName: TABLE, descriptorProto: Buffer.from(descriptor).toString('base64') },
      producer.clientId,
      producer.clientSecret,
      { recordType: RecordType.Proto },
    );
    const record = type.fromObject({
      device_name: 'd1',
      temp: 21,
      humidity: '9007199254740993',
      price: '12.34',
      at: 1_700_000_000_000_000,
      tags: ['a', 'b'],
      attrs: { x: 1 },
      loc: { lat: 59.9, lon: 10.7 },
      readings: [{ at: 1, value: 2.5 }],
    });
    const offset = await stream.ingestRecord(Buffer.from(type.encode(record).finish()));
    assert.equal(offset, 0n);
    await stream.close();
  });

  test('a wrong secret fails with the HTTP status and OAuth error, and writes nothing', async () => {
    const output = path.join(dir, 'wrong-secret.proto');
    const result = await runCli(baseArgs({ ...producer, clientSecret: 'tbs_wrong' }, TABLE, output));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^tributary generate-proto: OAuth token request to http:\/\/127\.0\.0\.1:\d+\/oidc\/v1\/token failed: HTTP 401 invalid_client/);
    await assert.rejects(access(output));
  });

  test('an unknown table fails with 404 and the catalog error message', async () => {
    const result = await runCli(baseArgs(producer, 'main.default.nope', path.join(dir, 'nope.proto')));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Reading table main\.default\.nope failed: HTTP 404 TABLE_DOES_NOT_EXIST: Table 'main\.default\.nope' does not exist/);
  });

  test('a principal without grants is refused with 403', async () => {
    const result = await runCli(baseArgs(stranger, TABLE, path.join(dir, 'stranger.proto')));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Reading table main\.default\.readings failed: HTTP 403 PERMISSION_DENIED/);
  });

  test('a column type Protobuf cannot express is refused, naming the column', async () => {
    const output = path.join(dir, 'bad.proto');
    const result = await runCli(baseArgs(producer, 'main.default.bad_shape', output));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /column grid: nested arrays are not supported/);
    await assert.rejects(access(output));
  });

  test('an unreachable endpoint and missing settings are named', async () => {
    const closed = await closedPortUrl();
    const output = path.join(dir, 'x.proto');
    const unreachable = await runCli(baseArgs({ clientId: 'a', clientSecret: 'b' }, TABLE, output).map((a) => (a === t.server.unityCatalogUrl ? closed : a)));
    assert.equal(unreachable.code, 1);
    assert.ok(unreachable.stderr.includes(`cannot reach ${closed}/oidc/v1/token (ECONNREFUSED)`), unreachable.stderr);
    const missing = await runCli(['generate-proto', '--table', TABLE, '--output', path.join(dir, 'y.proto')], {
      env: { TRIBUTARY_UC_ENDPOINT: '', ZEROBUS_UC_ENDPOINT: '' },
    });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /missing --uc-endpoint \(or set TRIBUTARY_UC_ENDPOINT or ZEROBUS_UC_ENDPOINT\)/);
  });
});
