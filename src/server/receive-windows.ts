/**
 * HTTP/2 receive windows of the gRPC server.
 *
 * HTTP/2 lets a client send 64 KiB on a connection, and on each stream, before the receiver grants more
 * with WINDOW_UPDATE; Node grants it as the server reads. A batch message is megabytes, and while the
 * server's one thread decodes one batch it reads nothing, so the producer idled until the decode ended and
 * then trickled the next batch in 64 KiB steps. Larger windows let the next batch arrive during the
 * decode. Measured on the bench (one stream, official client, back to back): 215 B Protobuf 535k →
 * 730–780k rows/s, wide JSON 49k → 57k, wide Protobuf 131k → 145k. A megabyte per stream was as good as
 * sixteen, and is grpc-java's default.
 *
 * grpc-js (1.14) has no server option for them (grpc/grpc-node#3058 proposes one), so they are set on
 * the HTTP/2 servers it creates at bind time.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Http2SecureServer, Http2Server, ServerHttp2Session } from 'node:http2';

/** What a client may send on one stream ahead of the server's reading. */
export const STREAM_WINDOW_BYTES = 1024 * 1024;
/**
 * What a client may send on one connection, all its streams together, ahead of the server's reading: the
 * most a connection holds in memory unread while its streams are paused for backpressure.
 */
export const CONNECTION_WINDOW_BYTES = 4 * 1024 * 1024;

/**
 * Widens the receive windows of every HTTP/2 server `server` is bound to, for the connections to come.
 * Call after `bindAsync`. False when grpc-js no longer keeps its servers where this looks: the server then
 * runs with HTTP/2's default windows, slower but correct.
 */
export function widenReceiveWindows(server: grpc.Server): boolean {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map) || servers.size === 0) return false;
  for (const http2Server of servers.keys() as Iterable<Http2Server | Http2SecureServer>) {
    http2Server.updateSettings({ initialWindowSize: STREAM_WINDOW_BYTES });
    http2Server.on('session', (session: ServerHttp2Session) => session.setLocalWindowSize(CONNECTION_WINDOW_BYTES));
  }
  return true;
}
