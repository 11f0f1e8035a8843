/**
 * One `EphemeralStream` gRPC call: the create handshake, then responses and the call's end delivered to
 * its owner exactly once. A stream uses one call at a time and replaces it on recovery or rotation; a
 * replaced call is retired (half-closed, then cancelled after a grace period) and reports nothing more.
 */
import { decodeResponse } from '../protocol/codec.js';
import { Status } from '../protocol/grpc-status.js';
import type { EphemeralStreamResponse } from '../protocol/messages.js';
import type { ZerobusChannel } from './channel.js';
import type { GrpcCall } from './grpc-call.js';
import { createStreamError, streamClosedError, type ZerobusError } from './zerobus-error.js';

/** What an open call reports to the stream that owns it. */
export interface StreamCallEvents {
  /** An acknowledgement (`durabilityAckUpToOffset` present) or a close signal. */
  response(response: AckOrCloseSignal): void;
  /** The call can take more messages after {@link StreamCall.send} returned false. */
  drain(): void;
  /** The call is over (server status, broken protocol, or {@link StreamCall.fail}). Reported once. */
  ended(error: ZerobusError): void;
}

/** The responses that may follow a successful create. */
export type AckOrCloseSignal =
  | { readonly kind: 'ack'; readonly wireOffset: number }
  | { readonly kind: 'close_signal'; readonly durationMs: number };

/** How long a retired call may take to deliver its trailers before it is cancelled (official: ~500 ms). */
export const RETIRE_GRACE_MS = 500;

type Phase =
  | {
      readonly name: 'creating';
      readonly resolve: (streamId: string) => void;
      readonly reject: (e: ZerobusError) => void;
    }
  | { readonly name: 'open'; readonly events: StreamCallEvents }
  | { readonly name: 'done' };

/** A live call. Create with {@link StreamCall.open}. */
export class StreamCall {
  private phase: Phase;
  private statusSeen: (() => void) | undefined;
  private ended = false;
  private readonly call: GrpcCall;

  private constructor(
    channel: ZerobusChannel,
    headers: ReadonlyArray<readonly [string, string]>,
    phase: Phase,
  ) {
    this.phase = phase;
    this.call = channel.openEphemeralStream(headers, {
      message: (message) => this.onMessage(message),
      status: (code, details) => this.onStatus(code, details),
      drain: () => {
        if (this.phase.name === 'open') this.phase.events.drain();
      },
    });
  }

  /**
   * Opens a call with `headers`, sends `createMessage` and resolves once the server answered with a
   * stream id. Rejects with the official client's create errors; `signal` aborting means the creation
   * timed out. `events` receive everything after the handshake.
   */
  static open(
    channel: ZerobusChannel,
    headers: ReadonlyArray<readonly [string, string]>,
    createMessage: Buffer,
    events: StreamCallEvents,
    signal: AbortSignal,
  ): Promise<StreamCall> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        call.finish();
        call.call.cancel();
        reject(createStreamError(Status.DEADLINE_EXCEEDED, 'Stream creation timed out'));
      };
      const call: StreamCall = new StreamCall(channel, headers, {
        name: 'creating',
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          call.phase = { name: 'open', events };
          resolve(call);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      call.call.send(createMessage);
    });
  }

  /**
   * Writes one encoded request; false means wait for `drain` before writing more. `written` runs once the
   * message's memory may be reused.
   */
  send(message: Buffer, written?: () => void): boolean {
    return this.call.send(message, written);
  }

  /** Ends the call with `error` (reported through `ended`) and cancels it. */
  fail(error: ZerobusError): void {
    if (this.phase.name !== 'open') return;
    const events = this.phase.events;
    this.finish();
    this.call.cancel();
    events.ended(error);
  }

  /**
   * Stops reporting, half-closes, and waits up to `graceMs` for the server's trailers before cancelling.
   * Resolves when the call is gone either way.
   */
  retire(graceMs = RETIRE_GRACE_MS): Promise<void> {
    this.finish();
    if (this.ended) return Promise.resolve();
    this.call.halfClose();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.call.cancel();
        resolve();
      }, graceMs);
      this.statusSeen = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private finish(): void {
    this.phase = { name: 'done' };
  }

  private onMessage(message: Buffer): void {
    const phase = this.phase;
    if (phase.name === 'done') return;
    let response: EphemeralStreamResponse;
    try {
      response = decodeResponse(message);
    } catch {
      return this.protocolError('Unexpected response from server');
    }
    if (phase.name === 'creating') {
      if (response.kind !== 'create_stream_response') return this.protocolError('Unexpected response from server');
      if (response.streamId === undefined) {
        return this.protocolError('Successfully created a stream but stream_id is None');
      }
      phase.resolve(response.streamId);
      return;
    }
    switch (response.kind) {
      case 'ingest_record_response':
        if (response.durabilityAckUpToOffset === undefined) {
          return this.protocolError('Missing ack offset in server response');
        }
        phase.events.response({ kind: 'ack', wireOffset: Number(response.durabilityAckUpToOffset) });
        return;
      case 'close_stream_signal':
        // A negative duration would be a server bug; treat it as "now" rather than as forever.
        phase.events.response({
          kind: 'close_signal',
          durationMs: Math.max(0, (response.durationSeconds ?? 0) * 1000),
        });
        return;
      case 'create_stream_response':
        return this.protocolError('Unexpected response from server');
    }
  }

  private onStatus(code: Status, details: string): void {
    this.ended = true;
    this.statusSeen?.();
    const phase = this.phase;
    if (phase.name === 'done') return;
    this.finish();
    if (phase.name === 'creating') {
      phase.reject(createStreamError(code, code === Status.OK ? 'Stream closed gracefully by server' : details));
    } else {
      const reason = code === Status.OK ? 'Stream closed by server without errors.' : details;
      phase.events.ended(streamClosedError(code, reason));
    }
  }

  /** The server broke the protocol: the call is abandoned with a retryable INTERNAL error. */
  private protocolError(message: string): void {
    const phase = this.phase;
    if (phase.name === 'creating') {
      this.finish();
      this.call.cancel();
      phase.reject(createStreamError(Status.INTERNAL, message));
    } else {
      this.fail(streamClosedError(Status.INTERNAL, message));
    }
  }
}

