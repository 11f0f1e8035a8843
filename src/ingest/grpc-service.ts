/**
 * The Zerobus service on a grpc-js server: raw bytes in and out (our own codec decodes them, so records stay
 * zero-copy views), response headers sent the moment a call opens (the official Rust-based clients wait for
 * them before sending `create_stream`), and every failure mapped to a status in one place (`errors.ts`).
 */
import * as grpc from '@grpc/grpc-js';
import { TributaryError, asTributaryError, toGrpcStatus } from '../errors.js';
import { decodeRequest, encodeResponse } from '../protocol/codec.js';
import { EPHEMERAL_STREAM_PATH } from '../protocol/messages.js';
import type { IngestLimits } from '../server/config.js';
import { PendingBudget } from './pending-budget.js';
import { StreamSession, type SessionObserver, type StreamOpener } from './stream-session.js';

/** Credentials a call presents, read from its metadata. */
export interface CallCredentials {
  readonly token?: string;
  readonly tableHeader?: string;
}

const identity = (b: Buffer): Buffer => b;

const definition: grpc.ServiceDefinition = {
  EphemeralStream: {
    path: EPHEMERAL_STREAM_PATH,
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
    originalName: 'ephemeralStream',
  },
};

/** Reads the bearer token and the table-name header the Zerobus clients send. */
export function readCredentials(metadata: grpc.Metadata): CallCredentials {
  const first = (key: string): string | undefined => {
    const v = metadata.get(key)[0];
    return typeof v === 'string' ? v : v === undefined ? undefined : v.toString('utf8');
  };
  const auth = first('authorization');
  const match = auth ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
  const tableHeader = first('x-databricks-zerobus-table-name');
  return { ...(match?.[1] ? { token: match[1] } : {}), ...(tableHeader ? { tableHeader } : {}) };
}

export interface ZerobusServiceOptions {
  readonly limits: IngestLimits;
  readonly drainSeconds: number;
  /** Builds the opener for one call from its credentials (authentication happens there). */
  readonly openerFor: (credentials: CallCredentials) => StreamOpener;
  readonly observer?: SessionObserver;
}

/** Live sessions, so that shutdown can ask every one of them to close. */
export class SessionSet {
  private readonly sessions = new Set<StreamSession>();
  add(s: StreamSession): void {
    this.sessions.add(s);
  }
  delete(s: StreamSession): void {
    this.sessions.delete(s);
  }
  get size(): number {
    return this.sessions.size;
  }
  /** Sends `close_stream_signal` to every open stream. */
  requestCloseAll(): void {
    for (const s of this.sessions) s.requestClose();
  }
}

/** Registers the Zerobus service on `server`; returns the set of live sessions. */
export function addZerobusService(server: grpc.Server, options: ZerobusServiceOptions): SessionSet {
  const sessions = new SessionSet();
  const budget = new PendingBudget(options.limits.maxPendingBytes);
  const handler = (call: grpc.ServerDuplexStream<Buffer, Buffer>): void => {
    call.sendMetadata(new grpc.Metadata());
    let ended = false;
    const transport = {
      send: (response: Parameters<typeof encodeResponse>[0]) => {
        if (!ended) call.write(encodeResponse(response));
      },
      end: (error?: TributaryError) => {
        if (ended) return;
        ended = true;
        if (error) {
          const status = toGrpcStatus(error);
          call.emit('error', { code: status.code, details: status.details, metadata: new grpc.Metadata() });
        } else {
          call.end();
        }
      },
      pause: () => call.pause(),
      resume: () => call.resume(),
    };
    const observer: SessionObserver = {
      ...options.observer,
      closed: (s, error) => {
        sessions.delete(s);
        options.observer?.closed?.(s, error);
      },
    };
    const session = new StreamSession(
      transport,
      options.openerFor(readCredentials(call.metadata)),
      options.limits,
      options.drainSeconds,
      observer,
      Date.now,
      budget,
    );
    sessions.add(session);
    call.on('data', (message: Buffer) => {
      if (message.length > options.limits.maxMessageBytes) {
        session.fail(
          new TributaryError(
            'invalid_argument',
            `message of ${message.length} bytes exceeds the limit of ${options.limits.maxMessageBytes} bytes; send smaller batches`,
            { stream: session.id },
          ),
        );
        return;
      }
      let request;
      try {
        request = decodeRequest(message);
      } catch (error) {
        session.fail(
          error instanceof TributaryError
            ? error
            : new TributaryError('invalid_argument', `malformed request message: ${asTributaryError(error).message}`),
        );
        return;
      }
      session.receive(request, message.length);
    });
    call.on('end', () => session.clientHalfClosed());
    call.on('cancelled', () => session.cancelled());
    call.on('error', () => session.cancelled());
  };
  server.addService(definition, { EphemeralStream: handler as grpc.UntypedHandleCall });
  return sessions;
}
