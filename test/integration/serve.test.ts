/**
 * `tributary serve --demo` as `npm start` runs it: the printed endpoints and credentials are enough for
 * the official client to stream into the demo table; one server per data directory; SIGTERM is graceful.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadOfficialSdk } from '../helpers/official-sdk.js';
import { queryJson } from '../helpers/run-cli.js';
import { REPO_ROOT, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

let dataDir: string;
let server: ServerProcess;

before(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tributary-serve-'));
  server = await startServerProcess(dataDir, ['--demo']);
});

after(async () => {
  if (server.proc.exitCode === null) await server.kill9();
  await rm(dataDir, { recursive: true, force: true });
});

test('prints the endpoints, the admin and demo credentials, and a client snippet', async () => {
  await new Promise((r) => setTimeout(r, 200));
  const out = server.output();
  assert.match(out, /Zerobus endpoint \(gRPC\):\s+http:\/\/127\.0\.0\.1:\d+/);
  assert.match(out, /Unity Catalog URL \(HTTP\):\s+http:\/\/127\.0\.0\.1:\d+/);
  assert.match(out, /Admin principal created/);
  assert.match(out, /Demo table main\.default\.air_quality/);
  assert.match(out, /new ZerobusSdk\('http:\/\/127\.0\.0\.1:\d+', 'http:\/\/127\.0\.0\.1:\d+'\)/);
  const health = await fetch(`${server.ucUrl}/healthz`);
  assert.equal(health.status, 200);
  const metrics = await (await fetch(`${server.ucUrl}/metrics`)).text();
  assert.match(metrics, /tributary_http_requests_total/);
});

test('the printed demo credentials let the official client stream into the demo table', async () => {
  const out = server.output();
  const demo = out.slice(out.indexOf('Demo table'));
  const clientId = /client_id: (\S+)/.exec(demo)![1]!;
  const clientSecret = /client_secret: (\S+)/.exec(demo)![1]!;
  const { ZerobusSdk, RecordType } = loadOfficialSdk();
  const sdk = new ZerobusSdk(server.zerobusEndpoint, server.ucUrl);
  const stream = await sdk.createStream({ tableName: 'main.default.air_quality' }, clientId, clientSecret, {
    recordType: RecordType.Json,
  });
  for (let i = 0; i < 100; i++) await stream.ingestRecordOffset({ device_name: `sensor-${i}`, temp: 20, humidity: i });
  await stream.flush();
  await stream.close();
});

test('a second server on the same data directory is refused, naming the first', async () => {
  const second = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--data-dir', dataDir, '--grpc-port', '0', '--http-port', '0'],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  second.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
  assert.equal(code, 1);
  assert.match(stderr, new RegExp(`in use by another tributary serve \\(pid ${server.proc.pid}\\)`));
});

test('SIGTERM drains and exits 0; the rows are then in the Delta table', async () => {
  assert.equal(await server.stop(), 0);
  const [count] = await queryJson<{ n: number }>(dataDir, 'SELECT count(*) AS n FROM main.default.air_quality');
  assert.equal(Number(count!.n), 100);
});
