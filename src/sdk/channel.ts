/**
 * The gRPC channel of one `ZerobusSdk`: every stream it creates (and every recovery of those streams)
 * runs over it, as the official client shares one HTTP/2 connection per SDK instance.
 */
import * as grpc from '@grpc/grpc-js';
import { EPHEMERAL_STREAM_PATH } from '../protocol/messages.js';
import type { ZerobusEndpoint } from './endpoint.js';
import { USER_AGENT } from './version.js';

/** Messages cross grpc-js as Buffers: the codec encodes and decodes them itself. */
const passThrough = (b: Buffer): Buffer => b;

/** A bidirectional `EphemeralStream` call of raw messages. */
export type RawStreamCall = grpc.ClientDuplexStream<Buffer, Buffer>;

/** One channel to a Zerobus endpoint. */
export class ZerobusChannel {
  private readonly client: grpc.Client;

  /** `ca`: trusted CA certificates (PEM) for TLS, replacing Node's defaults when given. */
  constructor(endpoint: ZerobusEndpoint, ca?: readonly string[]) {
    const credentials = endpoint.secure
      ? grpc.credentials.createSsl(ca ? Buffer.from(ca.join('\n')) : null)
      : grpc.credentials.createInsecure();
    this.client = new grpc.Client(endpoint.address, credentials, {
      'grpc.primary_user_agent': USER_AGENT,
      // Records are capped at ~10 MiB by the client; the channel itself imposes nothing, like the official one.
      'grpc.max_send_message_length': -1,
      'grpc.max_receive_message_length': -1,
      // The stream replays unacknowledged records itself. grpc-js's own retry layer would also keep up to
      // 256 KiB of sent messages per call and re-slice that buffer on every write (measured: ~10% of the
      // client's CPU plus GC), and acknowledge writes before they reach the socket, defeating backpressure.
      'grpc.enable_retries': 0,
      'grpc.per_rpc_retry_buffer_size': 0,
    });
  }

  /** Opens an `EphemeralStream` call with the given request headers. */
  openEphemeralStream(headers: ReadonlyArray<readonly [string, string]>): RawStreamCall {
    const metadata = new grpc.Metadata();
    for (const [key, value] of headers) metadata.add(key, value);
    return this.client.makeBidiStreamRequest(EPHEMERAL_STREAM_PATH, passThrough, passThrough, metadata);
  }

  /** Closes the channel: calls in progress finish, new ones fail. */
  close(): void {
    this.client.close();
  }
}
