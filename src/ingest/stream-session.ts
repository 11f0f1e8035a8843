/**
 * One `EphemeralStream` call: the state machine between the transport (gRPC) and the table's writer.
 *
 * Messages are decoded and validated into a pending columnar batch as they arrive. At most one append per
 * stream is in flight to the WAL; whatever arrives meanwhile coalesces into the next batch, so single-record
 * producers still get large WAL frames, and every stream's appends share the WAL's group commit. When an
 * append is durable the stream acks the highest offset it covered: acks are cumulative, monotonic and never
 * ahead of what is on disk.
 *
 * A failing message (bad record, quota) never discards what was accepted before it: the pending batch is
 * made durable and acked first, then the call ends with the error.
 */
import { randomUUID } from 'node:crypto';
import type { TableInfo } from '../catalog/model.js';
import { TributaryError, asTributaryError } from '../errors.js';
import type {
  CreateStreamRequest,
  EphemeralStreamRequest,
  EphemeralStreamResponse,
  WireRecordPayload,
} from '../protocol/messages.js';
import type { IngestLimits } from '../server/config.js';
import { PendingBudget } from './pending-budget.js';
import type { RowBatch } from './row-batch.js';
import { StreamQuota } from './quota.js';

/** What the session needs from the call it serves; implemented over grpc-js in `grpc-service.ts`. */
export interface StreamTransport {
  send(response: EphemeralStreamResponse): void;
  /** Ends the call with OK, or with the error's status. */
  end(error?: TributaryError): void;
  /** Stops reading requests (HTTP/2 flow control then pushes back on the producer). */
  pause(): void;
  resume(): void;
}

/** An accepted `create_stream`: where records go and how they are decoded. */
export interface OpenedStream {
  readonly table: TableInfo;
  readonly principal: string;
  /**
   * Decodes one record into the batch or throws `invalid_argument` naming offset and field; `index` is the
   * record's position within a batch message.
   */
  decode(record: WireRecordPayload, into: RowBatch, offset: bigint, index?: number): void;
  newBatch(): RowBatch;
  /** Resolves once the batch is durable in the table's WAL. */
  append(batch: RowBatch): Promise<void>;
}

/** Validates a `create_stream` against the call's credentials and prepares the stream. */
export type StreamOpener = (request: CreateStreamRequest) => Promise<OpenedStream>;

/** Observations the session reports; the server turns them into metrics and logs. */
export interface SessionObserver {
  opened?(session: StreamSession): void;
  acked?(session: StreamSession, rows: number, bytes: number, latencyMs: number): void;
  closed?(session: StreamSession, error?: TributaryError): void;
}

type State =
  | { readonly name: 'awaiting_create' }
  | { readonly name: 'creating' }
  | { readonly name: 'open'; readonly stream: OpenedStream }
  | { readonly name: 'ended' };

export class StreamSession {
  readonly id = randomUUID();
  private state: State = { name: 'awaiting_create' };
  /** Next wire offset expected from the client: offsets start at 0 on every call and grow by one. */
  private nextOffset = 0n;
  private pending?: RowBatch;
  /**
   * Batches of completed appends, emptied: reusing their buffers spares the GC on the hot path. A stream
   * needs two at most (one in flight, one filling), and both can come back before the next message does
   * when the client waits for acks, so both are kept.
   */
  private readonly spares: RowBatch[] = [];
  private pendingBytes = 0;
  private pendingSince = 0;
  /** Highest offset received (validated) and highest acknowledged; -1 before any. */
  private receivedOffset = -1n;
  private ackedOffset = -1n;
  private inflight = false;
  private paused = false;
  /** Set when the call must end once everything accepted is durable: the client half-closed, or an error. */
  private finishing?: { readonly error?: TributaryError };
  private closeSignalTimer?: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;
  private readonly quota: StreamQuota;

  constructor(
    private readonly transport: StreamTransport,
    private readonly open: StreamOpener,
    private readonly limits: IngestLimits,
    private readonly drainSeconds: number,
    private readonly observer: SessionObserver = {},
    private readonly now: () => number = Date.now,
    private readonly budget: PendingBudget = new PendingBudget(limits.maxPendingBytes),
  ) {
    this.quota = new StreamQuota(limits, now());
    this.touch();
  }

  /** The table this stream writes to, once created. */
  get table(): TableInfo | undefined {
    return this.state.name === 'open' ? this.state.stream.table : undefined;
  }

  /** Handles one decoded request message. */
  receive(request: EphemeralStreamRequest, size: number): void {
    if (this.state.name === 'ended' || this.finishing) return;
    this.touch();
    if (request.kind === 'create_stream') {
      if (this.state.name !== 'awaiting_create') {
        this.fail(new TributaryError('invalid_argument', 'create_stream sent twice on one stream', this.context()));
        return;
      }
      this.create(request);
      return;
    }
    if (this.state.name !== 'open') {
      this.fail(new TributaryError('invalid_argument', 'the first message of a stream must be create_stream'));
      return;
    }
    const stream = this.state.stream;
    const offset = request.offsetId;
    if (offset !== this.nextOffset) {
      this.fail(
        new TributaryError(
          'invalid_argument',
          `expected offset ${this.nextOffset} but received ${offset}: offsets start at 0 on each stream and grow by one per message`,
          this.context(offset),
        ),
      );
      return;
    }
    this.nextOffset++;
    const batch = (this.pending ??= this.spares.pop() ?? stream.newBatch());
    const mark = batch.mark();
    let rows = 0;
    try {
      if (request.kind === 'ingest_record') {
        stream.decode(request.record, batch, offset);
        rows = 1;
      } else {
        const b = request.batch;
        rows = b.records.length;
        if (b.kind === 'json') b.records.forEach((json, i) => stream.decode({ kind: 'json', json }, batch, offset, i));
        else b.records.forEach((bytes, i) => stream.decode({ kind: 'proto', bytes }, batch, offset, i));
      }
      this.quota.charge(rows, size, this.now(), this.context(offset));
    } catch (error) {
      batch.rollback(mark);
      this.fail(asTributaryError(error));
      return;
    }
    if (this.pendingBytes === 0) this.pendingSince = this.now();
    this.pendingBytes += size;
    this.budget.add(size);
    this.receivedOffset = offset;
    this.pump();
    const overLimit = this.pendingBytes >= this.limits.maxInflightBytesPerStream || this.budget.exhausted;
    if (!this.paused && this.pendingBytes > 0 && overLimit) {
      this.paused = true;
      this.transport.pause();
    }
  }

  /** The client half-closed: finish once everything received is durable and acked. */
  clientHalfClosed(): void {
    if (this.state.name === 'ended') return;
    this.finishing ??= {};
    this.pump();
  }

  /** The client cancelled or the connection broke: nothing more can be sent. */
  cancelled(): void {
    this.terminate();
  }

  /**
   * Asks the client to move to a new stream (shutdown, idle): it stops sending, waits for its acks and
   * half-closes; if it has not after `drainSeconds`, the call ends with OK and the client reconnects.
   */
  requestClose(): void {
    if (this.state.name === 'ended' || this.closeSignalTimer) return;
    if (this.state.name !== 'open') {
      this.fail(new TributaryError('unavailable', 'stream closed before it was created (server shutdown or idle timeout)'));
      return;
    }
    this.transport.send({ kind: 'close_stream_signal', durationSeconds: this.drainSeconds });
    this.closeSignalTimer = setTimeout(() => {
      this.finishing ??= {};
      this.pump();
    }, this.drainSeconds * 1000);
    this.closeSignalTimer.unref();
  }

  /** Ends the stream with an error once what was accepted before it is durable and acked. */
  fail(error: TributaryError): void {
    if (this.state.name === 'ended') return;
    this.finishing = { error };
    this.pump();
  }

  private create(request: CreateStreamRequest): void {
    this.state = { name: 'creating' };
    this.transport.pause();
    this.open(request).then(
      (stream) => {
        if (this.state.name === 'ended') return;
        this.state = { name: 'open', stream };
        this.transport.send({ kind: 'create_stream_response', streamId: this.id });
        this.observer.opened?.(this);
        this.transport.resume();
        this.pump();
      },
      (error: unknown) => {
        this.state = { name: 'awaiting_create' };
        this.fail(asTributaryError(error));
      },
    );
  }

  /** Starts the next append when none is in flight, or ends the call when all is done. */
  private pump(): void {
    if (this.inflight || this.state.name === 'ended') return;
    if (this.state.name === 'open' && this.receivedOffset > this.ackedOffset) {
      this.appendPending(this.state.stream);
      return;
    }
    if (this.finishing && this.state.name !== 'creating') this.terminate(this.finishing.error);
  }

  private appendPending(stream: OpenedStream): void {
    const batch = this.pending;
    const upTo = this.receivedOffset;
    const bytes = this.pendingBytes;
    const since = this.pendingSince;
    this.pending = undefined;
    this.releasePending();
    if (this.paused) {
      this.paused = false;
      this.transport.resume();
    }
    this.inflight = true;
    const rows = batch?.rowCount ?? 0;
    const durable = batch && rows > 0 ? stream.append(batch) : Promise.resolve();
    durable.then(
      () => {
        this.inflight = false;
        if (batch) {
          batch.clear();
          if (this.spares.length < 2) this.spares.push(batch);
        }
        if (this.state.name === 'ended') return;
        this.ackedOffset = upTo;
        this.transport.send({ kind: 'ingest_record_response', durabilityAckUpToOffset: upTo });
        this.observer.acked?.(this, rows, bytes, this.now() - since);
        this.pump();
      },
      (error: unknown) => {
        this.inflight = false;
        // Nothing after the failed append may be acknowledged: end now, the client replays what is unacked.
        this.terminate(asTributaryError(error));
      },
    );
  }

  private terminate(error?: TributaryError): void {
    if (this.state.name === 'ended') return;
    this.state = { name: 'ended' };
    clearTimeout(this.closeSignalTimer);
    clearTimeout(this.idleTimer);
    this.pending = undefined;
    this.releasePending();
    this.transport.end(error);
    this.observer.closed?.(this, error);
  }

  /** Restarts the idle timer: a stream silent for `idleTimeoutMs` is asked to close like on shutdown. */
  private releasePending(): void {
    this.budget.release(this.pendingBytes);
    this.pendingBytes = 0;
  }

  private touch(): void {
    if (this.limits.idleTimeoutMs <= 0) return;
    if (this.idleTimer) {
      this.idleTimer.refresh();
      return;
    }
    this.idleTimer = setTimeout(() => this.requestClose(), this.limits.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private context(offset?: bigint): { table?: string; stream: string; offset?: bigint } {
    const table = this.table?.fullName;
    return { stream: this.id, ...(table ? { table } : {}), ...(offset === undefined ? {} : { offset }) };
  }
}
