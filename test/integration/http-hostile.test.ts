import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { plainToken, startFixture, type Answer, type Fixture } from './http-fixture.js';

const UC = '/api/2.1/unity-catalog';

/** Writes raw bytes on a socket and returns everything the server sends back before closing. */
function raw(port: number, bytes: Buffer | string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.end(bytes);
  });
}

describe('HTTP listener under hostile input', () => {
  let f: Fixture;
  let admin: Record<string, string>;
  before(async () => {
    f = await startFixture();
    admin = { authorization: `Bearer ${await plainToken(f, f.admin)}` };
  });
  after(async () => {
    await f.close();
  });

  async function stillServing(): Promise<void> {
    const health = await f.request('GET', '/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { status: 'ok' });
  }

  function assertUcError(answer: Answer, status: number, code: string): void {
    assert.equal(answer.status, status, answer.text);
    assert.equal(answer.headers['content-type'], 'application/json');
    assert.deepEqual(Object.keys(answer.json ?? {}).sort(), ['error_code', 'message']);
    assert.equal(answer.json!.error_code, code);
  }

  it('refuses a 10 MB body with 413 and keeps serving', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 0x61);
    for (const path of ['/oidc/v1/token', `${UC}/tables`]) {
      const answer = await f.request('POST', path, { headers: { ...admin, 'content-type': 'application/json' }, body: big });
      assertUcError(answer, 413, 'REQUEST_ENTITY_TOO_LARGE');
      assert.match(answer.json!.message as string, /larger than the limit of 1048576 bytes/);
    }
    await stillServing();
  });

  it('closes the connection after refusing a body declared too large to read through', async () => {
    const answer = await raw(
      f.port,
      `POST ${UC}/tables HTTP/1.1\r\nhost: x\r\ncontent-length: 1000000000\r\n\r\n{"name":`,
    );
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /connection: close/i);
    await stillServing();
  });

  it('refuses a chunked body that grows past the limit', async () => {
    const chunk = `${(256 * 1024).toString(16)}\r\n${'b'.repeat(256 * 1024)}\r\n`;
    const request =
      `POST ${UC}/tables HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n` +
      `authorization: ${admin.authorization}\r\n\r\n${chunk.repeat(8)}0\r\n\r\n`;
    const answer = await raw(f.port, request);
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /"error_code":"REQUEST_ENTITY_TOO_LARGE"/);
    await stillServing();
  });

  it('refuses malformed JSON with INVALID_PARAMETER_VALUE', async () => {
    for (const body of ['{"name": "t",', '[1,2]', 'null', '']) {
      const answer = await f.request('POST', `${UC}/tables`, { headers: { ...admin, 'content-type': 'application/json' }, body });
      assertUcError(answer, 400, 'INVALID_PARAMETER_VALUE');
    }
    const answer = await f.request('POST', `${UC}/catalogs`, { headers: admin, body: '{"name":' });
    assert.match(answer.json!.message as string, /not valid JSON/);
    await stillServing();
  });

  it('refuses hostile table names in paths and keeps serving', async () => {
    const names = [
      '..%2F..%2F..%2Fetc%2Fpasswd',
      'main.default.%2E%2E',
      'main.default.a%2Fb',
      'main.default.t%00x',
      'main.default.t%C3%A9st',
      'main.default.%F0%9F%92%A5',
      `main.default.${'x'.repeat(5000)}`,
      'main.default.%ZZ',
      'main.default.`x`y',
      'a.b.c.d',
    ];
    for (const name of names) {
      const answer = await f.request('GET', `${UC}/tables/${name}`, { headers: admin });
      assertUcError(answer, 400, 'INVALID_PARAMETER_VALUE');
      assert.ok(answer.text.length < 2000, 'error messages stay bounded');
      const deleted = await f.request('DELETE', `${UC}/tables/${name}`, { headers: admin });
      assert.equal(deleted.status, 400, name.slice(0, 40));
    }
    // Unencoded dot segments are not normalised: they simply name no route.
    assertUcError(await f.request('GET', `${UC}/tables/../catalogs`, { headers: admin }), 404, 'ENDPOINT_NOT_FOUND');
    await stillServing();
  });

  it('answers broken HTTP with a JSON error instead of a bare disconnect', async () => {
    const nul = await raw(f.port, `GET ${UC}/tables/main.default.t\u0000x HTTP/1.1\r\nhost: x\r\n\r\n`);
    assert.match(nul, /^HTTP\/1\.1 400 /);
    assert.match(nul, /"error_code":"INVALID_PARAMETER_VALUE"/);
    const huge = await raw(f.port, `GET ${UC}/tables/${'x'.repeat(100_000)} HTTP/1.1\r\nhost: x\r\n\r\n`);
    assert.match(huge, /^HTTP\/1\.1 431 /);
    assert.match(huge, /too large/);
    await stillServing();
  });

  it('answers unknown routes and methods with ENDPOINT_NOT_FOUND', async () => {
    assertUcError(await f.request('GET', '/api/2.1/unity-catalog/volumes'), 404, 'ENDPOINT_NOT_FOUND');
    assertUcError(await f.request('PUT', `${UC}/catalogs`), 404, 'ENDPOINT_NOT_FOUND');
    assertUcError(await f.request('GET', '/'), 404, 'ENDPOINT_NOT_FOUND');
  });

  it('exposes request metrics with route patterns, not raw paths', async () => {
    const answer = await f.request('GET', '/metrics');
    assert.equal(answer.status, 200);
    assert.match(answer.headers['content-type'] ?? '', /^text\/plain/);
    assert.match(answer.text, /tributary_http_requests_total\{method="GET",route="\/api\/2\.1\/unity-catalog\/tables\/:full_name",status="400"\} \d+/);
    assert.match(answer.text, /tributary_http_requests_total\{method="POST",route="\/oidc\/v1\/token",status="200"\}/);
    assert.match(answer.text, /tributary_oauth_tokens_issued_total \d+/);
    assert.match(answer.text, /# TYPE tributary_ingest_ack_latency_seconds histogram/);
    assert.ok(!answer.text.includes('passwd'), 'raw paths never become label values');
  });
});
