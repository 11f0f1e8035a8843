/**
 * A real Zerobus peer for client tests: a grpc-js server on an ephemeral port serving
 * `/databricks.zerobus.Zerobus/EphemeralStream` with Tributary's codec, and an HTTP OAuth token endpoint.
 * Each call is handed to a script (async function) that decides what the server answers: create
 * responses, acks, close signals, error statuses, silence. Every call's metadata, every request message
 * (decoded and raw) and every token request (headers and raw form body) is recorded for assertions.
 *
 * Response headers go out the moment a call opens, as the official (tonic-based) clients require.
 * With `tls`, both listeners speak TLS (gRPC with ALPN h2) using the given key and certificate.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { decodeRequest, encodeResponse } from '../../src/protocol/codec.js';
import {
  EPHEMERAL_STREAM_PATH,
  type CreateStreamRequest,
  type EphemeralStreamRequest,
  type EphemeralStreamResponse,
} from '../../src/protocol/messages.js';

/** Decides how the server handles one call. */
export type Script = (call: ScriptedCall) => Promise<void>;

/** One recorded token request. */
export interface TokenRequestRecord {
  readonly method: string;
  readonly url: string;
  /** Header names and values exactly as received, in order. */
  readonly rawHeaders: readonly string[];
  readonly body: string;
}

/** What the token endpoint answers. */
export interface TokenReply {
  readonly status: number;
  readonly body: string;
}

/** Answers every token request with a fresh token. */
export const grantTokens = (request: TokenRequestRecord, index: number): TokenReply => ({
  status: 200,
  body: JSON.stringify({ access_token: `token-${index}`, token_type: 'Bearer', expires_in: 3600 }),
});

/** Accepts the stream, acks every message at once, ends with OK when the client half-closes. */
export const autoAck: Script = async (call) => {
  await call.acceptCreate();
  for (let m = await call.next(); m; m = await call.next()) {
    if (m.kind !== 'create_stream') call.ack(m.offsetId);
  }
  call.end();
};

const passThrough = (b: Buffer): Buffer => b;

/** The server side of one call, as a script sees it. */
export class ScriptedCall {
  /** Decoded requests in arrival order. */
  readonly requests: EphemeralStreamRequest[] = [];
  /** The same requests as received on the wire. */
  readonly raw: Buffer[] = [];
  /** True once the client half-closed its side. */
  halfClosed = false;
  /** True once the client cancelled or the connection broke. */
  cancelled = false;
  /** True once the script ended the call. */
  ended = false;
  private readIndex = 0;
  private wakers: Array<() => void> = [];

  constructor(
    /** 0 for the first call the server received, then 1, 2, … */
    readonly index: number,
    private readonly call: grpc.ServerDuplexStream<Buffer, Buffer>,
  ) {
    call.on('data', (message: Buffer) => {
      this.raw.push(message);
      this.requests.push(decodeRequest(message));
      this.notify();
    });
    call.on('end', () => {
      this.halfClosed = true;
      this.notify();
    });
    call.on('cancelled', () => {
      this.cancelled = true;
      this.notify();
    });
    call.on('error', () => {
      this.cancelled = true;
      this.notify();
    });
  }

  /** The client's address as seen by the server: equal for calls sharing one HTTP/2 connection. */
  get peer(): string {
    return this.call.getPeer();
  }

  /** Request metadata value (first) for `key`. */
  header(key: string): string | undefined {
    const v = this.call.metadata.get(key)[0];
    return v === undefined ? undefined : v.toString();
  }

  /** All request metadata as a plain object (first value per key). */
  headers(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.call.metadata.getMap())) out[k] = v.toString();
    return out;
  }

  /** The next request, or `undefined` once the client half-closed or went away. */
  async next(): Promise<EphemeralStreamRequest | undefined> {
    for (;;) {
      const m = this.requests[this.readIndex];
      if (m) {
        this.readIndex++;
        return m;
      }
      if (this.halfClosed || this.cancelled) return undefined;
      await new Promise<void>((resolve) => this.wakers.push(resolve));
    }
  }

  /** Waits for `create_stream` and answers with `streamId`. */
  async acceptCreate(streamId = `stream-${this.index}`): Promise<CreateStreamRequest> {
    const m = await this.next();
    if (m?.kind !== 'create_stream') {
      throw new Error(`call ${this.index}: expected create_stream, got ${m?.kind ?? 'nothing'}`);
    }
    this.send({ kind: 'create_stream_response', streamId });
    return m;
  }

  /** Sends a response message. */
  send(response: EphemeralStreamResponse): void {
    if (!this.ended && !this.cancelled) this.call.write(encodeResponse(response));
  }

  /** Acknowledges every wire offset up to `offset`. */
  ack(offset: bigint | number): void {
    this.send({ kind: 'ingest_record_response', durabilityAckUpToOffset: BigInt(offset) });
  }

  /** Asks the client to move to a new call within `seconds`. */
  closeSignal(seconds: number): void {
    this.send({ kind: 'close_stream_signal', durationSeconds: seconds });
  }

  /** Ends the call with a status (OK by default). */
  end(code: grpc.status = grpc.status.OK, details = ''): void {
    if (this.ended || this.cancelled) return;
    this.ended = true;
    if (code === grpc.status.OK) this.call.end();
    else this.call.emit('error', { code, details, metadata: new grpc.Metadata() });
  }

  /** Resolves once the client half-closed or cancelled. */
  async gone(): Promise<void> {
    while (!this.halfClosed && !this.cancelled) await new Promise<void>((resolve) => this.wakers.push(resolve));
  }

  private notify(): void {
    for (const wake of this.wakers.splice(0)) wake();
  }
}

/** The gRPC and OAuth servers, with everything they saw. */
export class ScriptedZerobusServer {
  /** Every call, in the order they opened. */
  readonly calls: ScriptedCall[] = [];
  readonly tokenRequests: TokenRequestRecord[] = [];
  /** Errors thrown by scripts (a test should assert this stays empty). */
  readonly scriptErrors: unknown[] = [];
  /** How calls are handled; may be replaced between phases of a test. */
  script: Script;
  /** How token requests are answered. */
  tokenReply: (request: TokenRequestRecord, index: number) => TokenReply = grantTokens;
  private callWaiters: Array<() => void> = [];

  private constructor(
    private readonly grpcServer: grpc.Server,
    private readonly httpServer: http.Server | https.Server,
    readonly grpcPort: number,
    readonly httpPort: number,
    script: Script,
    private readonly scheme: 'http' | 'https',
  ) {
    this.script = script;
  }

  /** Starts both servers on ephemeral loopback ports. */
  static async start(
    script: Script = autoAck,
    options: { tls?: { key: Buffer; cert: Buffer } } = {},
  ): Promise<ScriptedZerobusServer> {
    const grpcServer = new grpc.Server({
      'grpc.max_receive_message_length': -1,
      'grpc.max_send_message_length': -1,
    });
    const tls = options.tls;
    const credentials = tls
      ? grpc.ServerCredentials.createSsl(null, [{ private_key: tls.key, cert_chain: tls.cert }])
      : grpc.ServerCredentials.createInsecure();
    const grpcPort = await new Promise<number>((resolve, reject) =>
      grpcServer.bindAsync('127.0.0.1:0', credentials, (err, port) => (err ? reject(err) : resolve(port))),
    );
    const httpServer = tls ? https.createServer({ key: tls.key, cert: tls.cert }) : http.createServer();
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const httpPort = (httpServer.address() as AddressInfo).port;
    const scheme = tls ? 'https' : 'http';
    const server = new ScriptedZerobusServer(grpcServer, httpServer, grpcPort, httpPort, script, scheme);
    server.install();
    return server;
  }

  /** `http(s)://127.0.0.1:<grpc port>`: the Zerobus endpoint to give a client. */
  get endpoint(): string {
    return `${this.scheme}://127.0.0.1:${this.grpcPort}`;
  }

  /** `http(s)://127.0.0.1:<http port>`: the workspace (OAuth) URL to give a client. */
  get ucUrl(): string {
    return `${this.scheme}://127.0.0.1:${this.httpPort}`;
  }

  /** Resolves once at least `count` calls have opened. */
  async waitForCalls(count: number): Promise<void> {
    while (this.calls.length < count) await new Promise<void>((resolve) => this.callWaiters.push(resolve));
  }

  /** All ingest requests of all calls, in order. */
  ingestRequests(): EphemeralStreamRequest[] {
    return this.calls.flatMap((c) => c.requests.filter((r) => r.kind !== 'create_stream'));
  }

  async stop(): Promise<void> {
    this.grpcServer.forceShutdown();
    this.httpServer.closeAllConnections();
    await new Promise<void>((resolve) => this.httpServer.close(() => resolve()));
  }

  private install(): void {
    const definition: grpc.ServiceDefinition = {
      EphemeralStream: {
        path: EPHEMERAL_STREAM_PATH,
        requestStream: true,
        responseStream: true,
        requestSerialize: passThrough,
        requestDeserialize: passThrough,
        responseSerialize: passThrough,
        responseDeserialize: passThrough,
        originalName: 'ephemeralStream',
      },
    };
    const handler = (raw: grpc.ServerDuplexStream<Buffer, Buffer>): void => {
      raw.sendMetadata(new grpc.Metadata());
      const call = new ScriptedCall(this.calls.length, raw);
      this.calls.push(call);
      for (const w of this.callWaiters.splice(0)) w();
      this.script(call).catch((error: unknown) => {
        this.scriptErrors.push(error);
        call.end(grpc.status.INTERNAL, `script failed: ${String(error)}`);
      });
    };
    this.grpcServer.addService(definition, { EphemeralStream: handler as grpc.UntypedHandleCall });

    this.httpServer.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const record: TokenRequestRecord = {
          method: req.method ?? '',
          url: req.url ?? '',
          rawHeaders: req.rawHeaders,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.tokenRequests.push(record);
        const reply = this.tokenReply(record, this.tokenRequests.length - 1);
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(reply.body);
      });
    });
  }
}
