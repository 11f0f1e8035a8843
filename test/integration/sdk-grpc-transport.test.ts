/**
 * The SDK's own gRPC framing against plain HTTP/2 servers that answer the way real servers and proxies can:
 * messages cut anywhere, statuses in trailers or in headers only, HTTP errors, stream resets, bodies the
 * client must refuse, and no server at all.
 */
import assert from 'node:assert/strict';
import { createServer, constants, type Http2Server, type ServerHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { EPHEMERAL_STREAM_PATH } from '../../src/protocol/messages.js';
import { Status } from '../../src/protocol/grpc-status.js';
import { ZerobusChannel } from '../../src/sdk/channel.js';
import { parseEndpoint } from '../../src/sdk/endpoint.js';
import { messagePrefix } from '../../src/sdk/grpc-framing.js';
import { ZerobusError } from '../../src/sdk/zerobus-error.js';

type Handler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, body: Promise<Buffer>) => void;

interface CallResult {
  readonly messages: string[];
  readonly code: Status;
  readonly details: string;
}

const servers: Http2Server[] = [];
after(() => {
  for (const server of servers) server.close();
});

async function serve(handler: Handler): Promise<ZerobusChannel> {
  const server = createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    // Resets the handlers cause or receive show up here; what the client reports is under test.
    stream.on('error', () => undefined);
    stream.on('data', (c: Buffer) => chunks.push(c));
    const body = new Promise<Buffer>((resolve) => stream.on('end', () => resolve(Buffer.concat(chunks))));
    handler(stream, headers, body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return new ZerobusChannel(parseEndpoint(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
}

/** Opens a call, sends `messages`, half-closes, and collects what the call reports. */
function call(channel: ZerobusChannel, messages: string[] = []): Promise<CallResult> {
  return new Promise((resolve) => {
    const received: string[] = [];
    // A provider's values for headers the transport owns are left out.
    const headers: [string, string][] = [['authorization', 'Bearer t'], ['X-Custom', 'v'], ['content-type', 'text/plain'], [':path', '/other']];
    const c = channel.openEphemeralStream(headers, {
      message: (m) => received.push(m.toString()),
      drain: () => undefined,
      status: (code, details) => resolve({ messages: received, code, details }),
    });
    for (const m of messages) c.send(Buffer.from(m));
    c.halfClose();
  });
}

const grpcHeaders = { ':status': 200, 'content-type': 'application/grpc' };
const framed = (text: string) => Buffer.concat([messagePrefix(Buffer.byteLength(text)), Buffer.from(text)]);

describe('the SDK gRPC transport', () => {
  test('sends its headers and framed messages; reads messages cut anywhere, then the trailers', async () => {
    let seen: { headers: IncomingHttpHeaders; body: Buffer } | undefined;
    const channel = await serve(async (stream, headers, body) => {
      seen = { headers, body: await body };
      stream.respond(grpcHeaders, { waitForTrailers: true });
      const out = Buffer.concat([framed('one'), framed(''), framed('x'.repeat(40_000))]);
      let at = 0;
      for (const cut of [3, 4, 9, 20_000, out.length]) {
        stream.write(out.subarray(at, cut));
        at = cut;
      }
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'all%20good' }));
      stream.end();
    });
    const result = await call(channel, ['first', 'second']);
    assert.equal(result.code, Status.OK);
    assert.equal(result.details, 'all good');
    assert.deepEqual(result.messages, ['one', '', 'x'.repeat(40_000)]);
    const h = seen!.headers;
    assert.equal(h[':method'], 'POST');
    assert.equal(h[':path'], EPHEMERAL_STREAM_PATH);
    assert.equal(h['content-type'], 'application/grpc');
    assert.equal(h.te, 'trailers');
    assert.match(String(h['user-agent']), /^tributary-sdk-ts\//);
    assert.equal(h.authorization, 'Bearer t');
    assert.equal(h['x-custom'], 'v');
    assert.deepEqual(seen!.body, Buffer.concat([framed('first'), framed('second')]));
    channel.close();
  });

  test('a status in the response headers alone (trailers-only) ends the call', async () => {
    const channel = await serve((stream) =>
      stream.respond({ ...grpcHeaders, 'grpc-status': '16', 'grpc-message': 'bad%20token' }, { endStream: true }),
    );
    assert.deepEqual(await call(channel), { messages: [], code: Status.UNAUTHENTICATED, details: 'bad token' });
    channel.close();
  });

  test('a call the server ends while the client still sends is closed on the client side too', { timeout: 10_000 }, async () => {
    let serverClosed: Promise<void> | undefined;
    const channel = await serve((stream) => {
      serverClosed = new Promise((resolve) => stream.on('close', () => resolve()));
      stream.respond({ ...grpcHeaders, 'grpc-status': '14', 'grpc-message': 'moving' }, { endStream: true });
    });
    const status = await new Promise<Status>((resolve) => {
      const c = channel.openEphemeralStream([], { message: () => undefined, drain: () => undefined, status: resolve });
      c.send(Buffer.from('still sending'));
    });
    assert.equal(status, Status.UNAVAILABLE);
    await serverClosed;
    channel.close();
  });

  test('HTTP errors without a gRPC status map to the status the gRPC spec gives them', async () => {
    for (const [http, code] of [
      [503, Status.UNAVAILABLE],
      [404, Status.UNIMPLEMENTED],
      [401, Status.UNAUTHENTICATED],
    ] as const) {
      const channel = await serve((stream) => stream.respond({ ':status': http, 'content-type': 'text/html' }, { endStream: true }));
      const result = await call(channel);
      assert.equal(result.code, code, `HTTP ${http}`);
      assert.match(result.details, new RegExp(`HTTP status code ${http}`));
      channel.close();
    }
  });

  test('a response that is not gRPC, a compressed message, or a reset ends the call with the right status', async () => {
    const html = await serve((stream) => {
      stream.respond({ ':status': 200, 'content-type': 'text/html' });
      stream.end('<html>');
    });
    assert.equal((await call(html)).code, Status.UNKNOWN);
    html.close();

    let cancelled: number | undefined;
    const compressed = await serve((stream) => {
      stream.on('close', () => (cancelled = stream.rstCode));
      stream.respond(grpcHeaders);
      const message = framed('zz');
      message[0] = 1;
      stream.write(message);
    });
    const result = await call(compressed);
    assert.equal(result.code, Status.INTERNAL);
    assert.match(result.details, /compressed/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(cancelled, constants.NGHTTP2_CANCEL, 'the client resets the call it abandons');
    compressed.close();

    const refused = await serve((stream) => stream.close(constants.NGHTTP2_REFUSED_STREAM));
    assert.equal((await call(refused)).code, Status.UNAVAILABLE);
    refused.close();

    const noStatus = await serve((stream) => {
      stream.respond(grpcHeaders);
      stream.end(framed('last'));
    });
    assert.deepEqual(await call(noStatus), { messages: ['last'], code: Status.INTERNAL, details: 'The call ended without a status' });
    noStatus.close();
  });

  test('no server: the call ends UNAVAILABLE with the connection error; a closed channel refuses new calls', async () => {
    const channel = new ZerobusChannel(parseEndpoint('http://127.0.0.1:1'));
    const result = await call(channel, ['m']);
    assert.equal(result.code, Status.UNAVAILABLE);
    assert.match(result.details, /ECONNREFUSED/);
    channel.close();
    assert.throws(
      () => channel.openEphemeralStream([], { message: () => undefined, drain: () => undefined, status: () => undefined }),
      (e: ZerobusError) => e.isRetryable && e.code === Status.UNAVAILABLE,
    );
  });

  test('a message’s memory is handed back once written, also when the call is gone', async () => {
    const channel = await serve(async (stream, _headers, body) => {
      await body;
      stream.respond({ ...grpcHeaders, 'grpc-status': '0' }, { endStream: true });
    });
    const written: string[] = [];
    const done = new Promise<void>((resolve) => {
      const c = channel.openEphemeralStream([], {
        message: () => undefined,
        drain: () => undefined,
        status: () => {
          c.send(Buffer.from('after end'), () => written.push('after end'));
          resolve();
        },
      });
      c.send(Buffer.alloc(200_000), () => written.push('big'));
      c.send(Buffer.from('small'), () => written.push('small'));
      c.halfClose();
    });
    await done;
    assert.deepEqual(written, ['big', 'small', 'after end']);
    channel.close();
  });
});
