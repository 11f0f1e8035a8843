/**
 * `ZerobusStream`: one logical ingestion stream over a succession of `EphemeralStream` calls.
 *
 * Producers see logical offsets (0, 1, 2, … per ingest call, kept for the life of the stream); each call
 * numbers its messages from wire offset 0. Everything accepted and not yet acknowledged stays in an
 * {@link UnackedQueue}; when a call fails with a retryable status, stalls without acks, or the server
 * asks the client to move (`close_stream_signal`), the stream opens a new call (fresh headers, fresh
 * token) and sends the unacknowledged records again from wire offset 0, in order, with their batching.
 * Their promises then resolve normally. Fatal statuses, exhausted retries or `recovery: false` fail the
 * stream: every pending promise rejects and the records stay available to `getUnacked*()` and
 * `ZerobusSdk.recreateStream`.
 *
 * `maxInflightRequests` bounds the queue: ingest calls beyond it wait, in call order, for acks to free
 * room, so memory stays bounded however fast the producer is.
 */
import { Status } from '../protocol/grpc-status.js';
import { encodeIngestRecord, encodeIngestRecordBatch } from '../protocol/codec.js';
import type { WireRecordBatch, WireRecordPayload } from '../protocol/messages.js';
import { AckWaiters } from './ack-waiters.js';
import { Fifo } from './fifo.js';
import type { ZerobusChannel } from './channel.js';
import { MessageBuffers } from './message-buffers.js';
import { ZerobusError, createStreamError, isAuthCode, streamClosedError, toZerobusError } from './zerobus-error.js';
import type { HeaderSource } from './headers.js';
import type { ResolvedOptions } from './options.js';
import { recordBytes, toWireBatch, toWireRecord, type RecordPayload } from './payload.js';
import { StreamCall, type AckOrCloseSignal, type StreamCallEvents } from './stream-call.js';
import { UnackedQueue } from './unacked-queue.js';

/** What is sent for one ingest call: a single record or a batch (one wire message either way). */
export type Outgoing =
  | { readonly kind: 'record'; readonly record: WireRecordPayload }
  | { readonly kind: 'batch'; readonly batch: WireRecordBatch };

/** Resolves the promise of a deprecated `ingestRecord(s)` call once its record is acknowledged. */
interface AckWaiter {
  readonly resolve: (offset: bigint) => void;
  readonly reject: (error: ZerobusError) => void;
  readonly prefix: string;
}

/** An accepted ingest call. */
type Entry = Outgoing & { readonly offset: number; readonly waiter?: AckWaiter };

/** An ingest call waiting for room in the in-flight window. */
interface Blocked {
  readonly outgoing: Outgoing;
  readonly waiter: AckWaiter | undefined;
  readonly prefix: string;
  readonly resolve: (offset: bigint) => void;
  readonly reject: (error: ZerobusError) => void;
}

type State =
  /** Opening a call (first creation, recovery or rotation). */
  | { readonly name: 'connecting' }
  | { readonly name: 'open'; readonly call: StreamCall }
  /** The server asked to move: nothing new is sent on `call` while its acks drain. */
  | { readonly name: 'paused'; readonly call: StreamCall; readonly timer: NodeJS.Timeout }
  | { readonly name: 'failed'; readonly error: ZerobusError }
  | { readonly name: 'closed' };

/** Everything a stream needs from the SDK that created it. */
export interface StreamContext {
  readonly channel: ZerobusChannel;
  readonly options: ResolvedOptions;
  /** The encoded `create_stream` request, identical on every call of the stream. */
  readonly createMessage: Buffer;
  readonly headers: HeaderSource;
  readonly tableName: string;
}

const INGEST_RECORD = 'Failed to ingest record';
const INGEST_BATCH = 'Failed to ingest batch';

function closedError(): ZerobusError {
  return new ZerobusError('Stream has been closed', false);
}

function deadline(prefix: string, message: string): ZerobusError {
  return streamClosedError(Status.DEADLINE_EXCEEDED, message).withPrefix(prefix);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A stream to one table. Obtain it from `ZerobusSdk.createStream`. */
export class ZerobusStream {
  private state: State = { name: 'connecting' };
  private closing = false;
  private readonly queue = new UnackedQueue<Entry>();
  private readonly messageBuffers = new MessageBuffers();
  private readonly blocked = new Fifo<Blocked>();
  private readonly waiters = new AckWaiters();
  private nextOffset = 0;
  private writeBlocked = false;
  private pumpScheduled = false;
  /** Last time the server said anything on the current call, or the first record went out unacked. */
  private lastProgress = 0;
  private ackTimer: NodeJS.Timeout | undefined;
  private readonly events: StreamCallEvents = {
    response: (r) => this.onResponse(r),
    drain: () => {
      this.writeBlocked = false;
      this.pump();
    },
    ended: (error) => this.onCallEnded(error),
  };
  private readonly pumpNow = (): void => this.pump();
  private readonly completeEntry = (entry: Entry): void => {
    entry.waiter?.resolve(BigInt(entry.offset));
    this.lastAckedOffset = entry.offset;
  };
  private lastAckedOffset = -1;

  /** @internal Use `ZerobusSdk.createStream`. `replay` are records of a failed stream to send first. */
  constructor(
    private readonly context: StreamContext,
    replay: readonly Outgoing[] = [],
  ) {
    for (const outgoing of replay) this.queue.push({ ...outgoing, offset: this.nextOffset++ });
  }

  /** @internal Opens the first call; rejects with the creation error. */
  async start(): Promise<void> {
    const call = await this.connect();
    this.adopt(call);
  }

  /** The table this stream writes to. */
  get tableName(): string {
    return this.context.tableName;
  }

  /**
   * Queues one record and resolves to its logical offset as soon as it is accepted (not acknowledged;
   * use {@link waitForOffset} or {@link flush} for that). Waits while `maxInflightRequests` are pending.
   * Byte payloads are kept by reference until acknowledged (they may be sent again on recovery), so do
   * not modify them after the call.
   */
  ingestRecordOffset(payload: RecordPayload): Promise<bigint> {
    const outgoing = this.prepareRecord(payload, INGEST_RECORD);
    if (outgoing instanceof ZerobusError) return Promise.reject(outgoing);
    return this.admit(outgoing, undefined, INGEST_RECORD);
  }

  /**
   * Queues several records as one batch (one offset, acknowledged together) and resolves to its logical
   * offset once accepted; `null` for an empty array (nothing is sent). A single record goes out as a
   * plain record, as with the official client.
   */
  ingestRecordsOffset(payloads: readonly RecordPayload[]): Promise<bigint | null> {
    const outgoing = this.prepareBatch(payloads, INGEST_BATCH);
    if (outgoing instanceof ZerobusError) return Promise.reject(outgoing);
    return outgoing ? this.admit(outgoing, undefined, INGEST_BATCH) : Promise.resolve(null);
  }

  /**
   * Queues one record and resolves to its offset once the server acknowledged it.
   * @deprecated Waiting per record serializes the producer on round trips: use {@link ingestRecordOffset}
   * and wait once with {@link flush} or {@link waitForOffset}.
   */
  ingestRecord(payload: RecordPayload): Promise<bigint> {
    const outgoing = this.prepareRecord(payload, INGEST_RECORD);
    if (outgoing instanceof ZerobusError) return Promise.reject(outgoing);
    return this.admitAndAwaitAck(outgoing, INGEST_RECORD, 'Acknowledgment failed');
  }

  /**
   * Queues a batch and resolves to its offset once acknowledged; `null` for an empty array.
   * @deprecated Use {@link ingestRecordsOffset} and wait once with {@link flush} or {@link waitForOffset}.
   */
  ingestRecords(payloads: readonly RecordPayload[]): Promise<bigint | null> {
    const outgoing = this.prepareBatch(payloads, INGEST_BATCH);
    if (outgoing instanceof ZerobusError) return Promise.reject(outgoing);
    if (!outgoing) return Promise.resolve(null);
    return this.admitAndAwaitAck(outgoing, INGEST_BATCH, 'Batch acknowledgment failed');
  }

  /**
   * Resolves once `offsetId` (and so every earlier offset) is acknowledged. Rejects after
   * `flushTimeoutMs`, if the stream fails, or at once for an offset this stream has not issued.
   * Unlike the official client, waiting does not block other calls on the stream.
   */
  waitForOffset(offsetId: bigint | number): Promise<void> {
    const prefix = 'Failed to wait for offset';
    const offset = Number(offsetId);
    if (this.state.name === 'closed') return Promise.reject(closedError());
    if (offset <= this.waiters.acked) return Promise.resolve();
    if (this.state.name === 'failed') return Promise.reject(this.state.error.withPrefix(prefix));
    if (offset >= this.nextOffset) {
      return Promise.reject(
        new ZerobusError(
          `${prefix}: offset ${offset} has not been issued (last issued: ${this.nextOffset - 1})`,
          false,
        ),
      );
    }
    const timeout = deadline(prefix, 'Waiting for acknowledgement timed out');
    return this.waiters.wait(offset, this.context.options.flushTimeoutMs, timeout, prefix);
  }

  /**
   * Resolves once everything accepted so far is acknowledged. Sends nothing; rejects after
   * `flushTimeoutMs` (the stream stays usable) or when the stream fails.
   */
  flush(): Promise<void> {
    return this.flushAs('Failed to flush stream');
  }

  /**
   * Flushes, then ends the call (half-close, up to ~500 ms for the server's trailers, then cancel). Later
   * calls on the stream reject with `Stream has been closed`. Closing a failed stream resolves; its
   * unacknowledged records stay available.
   */
  async close(): Promise<void> {
    if (this.state.name === 'closed') return;
    this.closing = true;
    let flushError: ZerobusError | undefined;
    if (this.state.name !== 'failed') {
      try {
        await this.flushAs('Failed to close stream');
      } catch (error) {
        flushError = toZerobusError(error);
      }
    }
    const call = this.currentCall();
    this.leaveState({ name: 'closed' });
    // Whatever is still unacknowledged (flush timed out) will never be: its ack promises must not hang.
    this.rejectPending(closedError());
    if (call) await call.retire();
    if (flushError) throw flushError;
  }

  /**
   * The payloads not acknowledged by a failed or closed stream, in order (JSON records as UTF-8 bytes).
   * Rejects on a stream that is still active.
   */
  getUnackedRecords(): Promise<Buffer[]> {
    return this.unacked().then((entries) =>
      entries.flatMap((e) => (e.kind === 'record' ? [recordBytes(e.record)] : batchBytes(e.batch))),
    );
  }

  /** Like {@link getUnackedRecords}, grouped as they were ingested (a single record is a batch of one). */
  getUnackedBatches(): Promise<Buffer[][]> {
    return this.unacked().then((entries) =>
      entries.map((e) => (e.kind === 'record' ? [recordBytes(e.record)] : batchBytes(e.batch))),
    );
  }

  /** @internal What `ZerobusSdk.recreateStream` replays: the unacknowledged calls, as ingested. */
  unackedOutgoing(): Outgoing[] {
    return this.queue
      .toArray()
      .map((e) => (e.kind === 'record' ? { kind: e.kind, record: e.record } : { kind: e.kind, batch: e.batch }));
  }

  /** @internal True once the stream failed or was closed (the condition for `recreateStream`). */
  get isFinished(): boolean {
    return this.state.name === 'failed' || this.state.name === 'closed';
  }

  // -------------------------------------------------------------------------------------------------------
  // Accepting records

  /** Why the stream takes no more records: `Stream has been closed` as is, a failure seen from `prefix`. */
  private refusal(prefix: string): ZerobusError | undefined {
    if (this.closing || this.state.name === 'closed') return closedError();
    if (this.state.name === 'failed') return this.state.error.withPrefix(prefix);
    return undefined;
  }

  /** What `ingestRecord*(payload)` sends, or the error it rejects with. */
  private prepareRecord(payload: RecordPayload, prefix: string): Outgoing | ZerobusError {
    const refusal = this.refusal(prefix);
    if (refusal) return refusal;
    try {
      return { kind: 'record', record: toWireRecord(payload, this.context.options.recordType) };
    } catch (error) {
      return toZerobusError(error).withPrefix(prefix);
    }
  }

  /** What `ingestRecords*(payloads)` sends (a lone record goes as a record; none sends nothing), or its error. */
  private prepareBatch(payloads: readonly RecordPayload[], prefix: string): Outgoing | undefined | ZerobusError {
    if (payloads.length === 1) return this.prepareRecord(payloads[0]!, prefix);
    const refusal = this.refusal(prefix);
    if (refusal) return refusal;
    if (payloads.length === 0) return undefined;
    try {
      return { kind: 'batch', batch: toWireBatch(payloads, this.context.options.recordType) };
    } catch (error) {
      return toZerobusError(error).withPrefix(prefix);
    }
  }

  /** Accepts `outgoing` now if the window has room (and nobody waits before it), else queues the caller. */
  private admit(outgoing: Outgoing, waiter: AckWaiter | undefined, prefix: string): Promise<bigint> {
    if (this.blocked.size === 0 && this.queue.size < this.context.options.maxInflightRequests) {
      return Promise.resolve(this.accept(outgoing, waiter));
    }
    return new Promise((resolve, reject) => this.blocked.push({ outgoing, waiter, prefix, resolve, reject }));
  }

  private admitAndAwaitAck(outgoing: Outgoing, prefix: string, ackPrefix: string): Promise<bigint> {
    return new Promise((resolve, reject) => {
      const waiter: AckWaiter = { resolve, reject, prefix: ackPrefix };
      this.admit(outgoing, waiter, prefix).catch(reject);
    });
  }

  private accept(outgoing: Outgoing, waiter: AckWaiter | undefined): bigint {
    const offset = this.nextOffset++;
    this.queue.push(waiter ? { ...outgoing, offset, waiter } : { ...outgoing, offset });
    this.schedulePump();
    return BigInt(offset);
  }

  /** Lets waiting ingest calls in, oldest first, as far as the window allows. */
  private admitBlocked(): void {
    const max = this.context.options.maxInflightRequests;
    while (this.blocked.size > 0 && this.queue.size < max) {
      const b = this.blocked.shift()!;
      b.resolve(this.accept(b.outgoing, b.waiter));
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Sending

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    // Coalesce the ingest calls of one tick into one pass of writes.
    queueMicrotask(this.pumpNow);
  }

  /** Writes every unsent record to the open call, until the call asks us to wait for `drain`. */
  private pump(): void {
    this.pumpScheduled = false;
    const state = this.state;
    if (state.name !== 'open' || this.writeBlocked) return;
    const queue = this.queue;
    for (let entry = queue.peekUnsent(); entry !== undefined; entry = queue.peekUnsent()) {
      const wireOffset = queue.nextWireOffset;
      const buffers = this.messageBuffers;
      const message =
        entry.kind === 'record'
          ? encodeIngestRecord(wireOffset, entry.record)
          : encodeIngestRecordBatch(wireOffset, entry.batch, buffers.allocate);
      queue.markSent();
      if (queue.sentCount === 1) this.armAckTimer();
      if (!state.call.send(message, () => buffers.release(message))) {
        this.writeBlocked = true;
        return;
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Responses

  private onResponse(response: AckOrCloseSignal): void {
    this.lastProgress = Date.now();
    if (response.kind === 'close_signal') return this.onCloseSignal(response.durationMs);
    const state = this.state;
    if (state.name !== 'open' && state.name !== 'paused') return;
    const outcome = this.queue.ack(response.wireOffset, this.completeEntry);
    if (outcome.kind === 'beyond_sent') {
      state.call.fail(
        streamClosedError(
          Status.INTERNAL,
          `Server acknowledged offset ${response.wireOffset} beyond the last sent offset ${outcome.highestSent}`,
        ),
      );
      return;
    }
    if (outcome.count === 0) return;
    this.waiters.advance(this.lastAckedOffset);
    this.admitBlocked();
    if (state.name === 'paused' && this.queue.sentCount === 0) this.rotate();
  }

  /** The server will end this call: stop sending, let its acks drain (bounded), then move to a new call. */
  private onCloseSignal(durationMs: number): void {
    const state = this.state;
    const options = this.context.options;
    // Without recovery the official client ignores the signal and fails when the server ends the call.
    if (!options.recovery || state.name !== 'open') return;
    const maxWait = options.streamPausedMaxWaitTimeMs;
    const wait = maxWait === undefined ? durationMs : Math.min(maxWait, durationMs);
    if (wait === 0 || this.queue.sentCount === 0) return this.rotate();
    this.clearAckTimer();
    const timer = setTimeout(() => this.rotate(), wait);
    this.state = { name: 'paused', call: state.call, timer };
  }

  private onCallEnded(error: ZerobusError): void {
    if (this.state.name !== 'open' && this.state.name !== 'paused') return;
    this.leaveState({ name: 'connecting' });
    if (!this.context.options.recovery || !error.isRetryable) return this.fail(error);
    this.reconnect();
  }

  // -------------------------------------------------------------------------------------------------------
  // Calls: creation with retries, recovery, rotation

  /** Moves to a new call, retiring the current one (close signal honoured, or its acks drained). */
  private rotate(): void {
    const call = this.currentCall();
    if (!call) return;
    this.leaveState({ name: 'connecting' });
    void call.retire();
    this.reconnect();
  }

  private reconnect(): void {
    this.connect().then(
      (call) => {
        if (this.state.name !== 'connecting') {
          void call.retire();
          return;
        }
        this.adopt(call);
      },
      (error: unknown) => {
        if (this.state.name === 'connecting') this.fail(toZerobusError(error));
      },
    );
  }

  /** Makes `call` the stream's call: everything unacknowledged goes out again from wire offset 0. */
  private adopt(call: StreamCall): void {
    this.queue.resetForNewCall();
    this.writeBlocked = false;
    this.state = { name: 'open', call };
    this.pump();
  }

  /**
   * Opens a call, retrying as the official client does: `recoveryRetries` more attempts for retryable
   * errors, the first at once and then `recoveryBackoffMs` apart; authentication errors get exactly one
   * more attempt (with new headers); nothing is retried with `recovery: false`.
   */
  private async connect(): Promise<StreamCall> {
    const options = this.context.options;
    let authRetried = false;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) await sleep(options.recoveryBackoffMs);
      if (this.state.name === 'closed') throw closedError();
      try {
        return await this.openCall();
      } catch (e) {
        const error = toZerobusError(e);
        if (!options.recovery) throw error;
        if (isAuthCode(error.code)) {
          if (authRetried) throw error;
          authRetried = true;
        } else if (!error.isRetryable || attempt >= options.recoveryRetries) {
          throw error;
        }
      }
    }
  }

  /** One creation attempt: headers (a fresh token), the call, the create handshake, within the timeout. */
  private async openCall(): Promise<StreamCall> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.context.options.recoveryTimeoutMs);
    try {
      const headers = await this.context.headers(abort.signal);
      const { channel, createMessage } = this.context;
      return await StreamCall.open(channel, headers, createMessage, this.events, abort.signal);
    } catch (error) {
      if (abort.signal.aborted) throw createStreamError(Status.DEADLINE_EXCEEDED, 'Stream creation timed out');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Lack of acknowledgements

  /** Starts watching for acks when the call goes from nothing outstanding to something outstanding. */
  private armAckTimer(): void {
    this.lastProgress = Date.now();
    if (!this.ackTimer) this.scheduleAckCheck(this.context.options.serverLackOfAckTimeoutMs);
  }

  private scheduleAckCheck(ms: number): void {
    this.ackTimer = setTimeout(() => this.checkAcks(), ms);
    this.ackTimer.unref();
  }

  private checkAcks(): void {
    this.ackTimer = undefined;
    const state = this.state;
    if (state.name !== 'open' || this.queue.sentCount === 0) return;
    const timeout = this.context.options.serverLackOfAckTimeoutMs;
    const idle = Date.now() - this.lastProgress;
    if (idle < timeout) return this.scheduleAckCheck(timeout - idle);
    state.call.fail(streamClosedError(Status.DEADLINE_EXCEEDED, 'Server ack timeout'));
  }

  private clearAckTimer(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
  }

  // -------------------------------------------------------------------------------------------------------
  // State changes

  private currentCall(): StreamCall | undefined {
    const state = this.state;
    return state.name === 'open' || state.name === 'paused' ? state.call : undefined;
  }

  /** Leaves the current state, releasing what belongs to it (timers). */
  private leaveState(next: State): void {
    if (this.state.name === 'paused') clearTimeout(this.state.timer);
    this.clearAckTimer();
    this.state = next;
  }

  /** The stream is over: every waiting promise rejects with `error`, the records stay for `getUnacked*`. */
  private fail(error: ZerobusError): void {
    this.leaveState({ name: 'failed', error });
    this.rejectPending(error);
  }

  /** Rejects every promise still waiting on this stream, each with `error` prefixed by its operation. */
  private rejectPending(error: ZerobusError): void {
    for (const entry of this.queue.toArray()) entry.waiter?.reject(error.withPrefix(entry.waiter.prefix));
    this.waiters.failAll(error);
    for (const b of this.blocked.takeAll()) {
      const e = error.withPrefix(b.prefix);
      b.reject(e);
      b.waiter?.reject(e);
    }
  }

  private flushAs(prefix: string): Promise<void> {
    if (this.state.name === 'closed') return Promise.reject(closedError());
    if (this.state.name === 'failed') return Promise.reject(this.state.error.withPrefix(prefix));
    const last = this.nextOffset - 1;
    return this.waiters.wait(last, this.context.options.flushTimeoutMs, deadline(prefix, 'Flush timed out'), prefix);
  }

  private unacked(): Promise<Entry[]> {
    if (!this.isFinished) {
      return Promise.reject(
        new ZerobusError('Cannot get unacked records from an active stream. Stream must be closed or failed.', false),
      );
    }
    return Promise.resolve(this.queue.toArray());
  }
}

function batchBytes(batch: WireRecordBatch): Buffer[] {
  return batch.kind === 'json'
    ? batch.records.map((r) => Buffer.from(r, 'utf8'))
    : batch.records.map((r) => Buffer.from(r));
}
