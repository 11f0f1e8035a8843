/**
 * The connection of one `ZerobusSdk`: every stream it creates (and every recovery of those streams) runs
 * over one HTTP/2 connection, as the official client shares one per SDK instance. The connection is made
 * on first use and again after it is lost or the server sends GOAWAY; between calls it does not keep the
 * process alive.
 */
import { connect, type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';
import { EPHEMERAL_STREAM_PATH } from '../protocol/messages.js';
import { Status } from '../protocol/grpc-status.js';
import type { ZerobusEndpoint } from './endpoint.js';
import { GrpcCall, type CallHandlers } from './grpc-call.js';
import { USER_AGENT } from './version.js';
import { createStreamError } from './zerobus-error.js';

/** Headers the transport sets; a headers provider's own values for them are left out, as gRPC libraries do. */
const TRANSPORT_HEADERS: ReadonlySet<string> = new Set(['content-type', 'te', 'user-agent']);

/** One connection to a Zerobus endpoint. */
export class ZerobusChannel {
  private connection: Connection | undefined;
  private closed = false;

  /** `ca`: trusted CA certificates (PEM) for TLS, replacing Node's defaults when given. */
  constructor(
    private readonly endpoint: ZerobusEndpoint,
    private readonly ca?: readonly string[],
  ) {}

  /**
   * Opens an `EphemeralStream` call with the given request headers. On a closed channel, throws a
   * retryable UNAVAILABLE creation error.
   */
  openEphemeralStream(headers: ReadonlyArray<readonly [string, string]>, handlers: CallHandlers): GrpcCall {
    if (this.closed) throw createStreamError(Status.UNAVAILABLE, 'Channel has been shut down');
    const requestHeaders: OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': EPHEMERAL_STREAM_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': USER_AGENT,
    };
    for (const [name, value] of headers) {
      const key = name.toLowerCase();
      if (key.startsWith(':') || TRANSPORT_HEADERS.has(key)) continue;
      const earlier = requestHeaders[key];
      requestHeaders[key] = earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [String(earlier)]), value];
    }
    const connection = this.liveConnection();
    const stream = connection.session.request(requestHeaders, { endStream: false });
    if (connection.calls++ === 0) connection.session.ref();
    return new GrpcCall(stream, handlers, () => {
      if (--connection.calls === 0) connection.session.unref();
    });
  }

  /** Closes the connection: calls in progress finish, new ones fail. */
  close(): void {
    this.closed = true;
    this.connection?.session.close();
  }

  private liveConnection(): Connection {
    const current = this.connection;
    if (current !== undefined && !current.session.closed && !current.session.destroyed) return current;
    const { secure, address } = this.endpoint;
    const session = connect(`${secure ? 'https' : 'http'}://${address}`, secure && this.ca ? { ca: [...this.ca] } : {});
    // A failed connection fails its calls, which report it; the session has nothing to add.
    session.on('error', () => undefined);
    const connection: Connection = { session, calls: 0 };
    const forget = (): void => {
      if (this.connection === connection) this.connection = undefined;
    };
    session.on('goaway', forget);
    session.on('close', forget);
    session.unref();
    this.connection = connection;
    return connection;
  }
}

/** A session and its calls in progress, which keep the process alive while there are any. */
interface Connection {
  readonly session: ClientHttp2Session;
  calls: number;
}
