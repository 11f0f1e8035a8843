/**
 * One table's write-ahead log: group commit of appends, replay, and truncation behind the Delta commits.
 *
 * An append's promise resolves only once its frame is written and fdatasync'd (an ACK is a promise to the
 * producer). Appends arriving within `groupCommitMs`, or until `groupCommitBytes` are queued, share one write
 * and one fdatasync; while a group is being written and synced, new appends queue for the next group, so at
 * most one sync is in flight and sequence numbers follow the order of `append` calls. An I/O error fails the
 * whole group and every later append: nothing is acknowledged that might not be on disk, and after a failed
 * fdatasync the page cache cannot be trusted, so only a restart (and recovery) reopens the WAL.
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { TributaryError } from '../errors.js';
import type { WalSettings } from '../server/config.js';
import { diskDurability, ensureDirectory, noDurability, type DurabilityOps } from './durability.js';
import { encodeFrameHeader, type WalFrame } from './frame.js';
import { WAL_ORIGIN, type WalPosition } from './position.js';
import { recoverSegments, type SegmentRecord } from './recovery.js';
import { scanFrames } from './segment-reader.js';
import { SEGMENT_HEADER_BYTES, encodeSegmentHeader, segmentFileName } from './segment-format.js';
import { loadOrCreateIdentity, type WalIdentity } from './wal-identity.js';

export interface TableWalOptions {
  /** Replaces the sync primitives (tests count or fail them); by default real syncs, or none if `fsync` is off. */
  readonly durability?: DurabilityOps;
}

/** Counters since the WAL was opened. */
export interface WalStats {
  readonly appends: number;
  /** Group commits: each is one write and one fdatasync (none with `fsync: false`). */
  readonly groups: number;
  /** Frame bytes written, headers included. */
  readonly bytes: number;
}

/** `failed` after an I/O error: appends are refused until the WAL is reopened by a restart. */
export type WalState = 'open' | 'failed' | 'closed';

interface QueuedFrame {
  readonly seq: WalPosition;
  readonly header: Uint8Array;
  readonly payload: Uint8Array;
  readonly resolve: (seq: WalPosition) => void;
  readonly reject: (error: Error) => void;
}

interface ActiveSegment {
  readonly record: SegmentRecord;
  readonly file: FileHandle;
}

export class TableWal {
  private queue: QueuedFrame[] = [];
  private queuedBytes = 0;
  private cancelWindow: (() => void) | undefined;
  private inFlight: Promise<void> | undefined;
  private failure: TributaryError | undefined;
  private closing = false;
  private closed = false;
  private nextSeq: number;
  private durableSeq: WalPosition;
  private truncation: Promise<unknown> = Promise.resolve();
  private counters = { appends: 0, groups: 0, bytes: 0 };

  private constructor(
    /** The directory holding `wal.json` and the segments. */
    readonly dir: string,
    private readonly settings: WalSettings,
    private readonly identity: WalIdentity,
    private readonly durability: DurabilityOps,
    /** Oldest first; the last one is the active segment once `active` is set. */
    private readonly segments: SegmentRecord[],
    private active: ActiveSegment | undefined,
    lastSeq: WalPosition,
  ) {
    this.durableSeq = lastSeq;
    this.nextSeq = lastSeq + 1;
  }

  /**
   * Opens the WAL in `dir`, creating it if needed. Recovery cuts a torn tail and resumes the sequence after the
   * last intact frame; damage that could affect acknowledged frames rejects with an `internal` error naming the
   * file and byte.
   */
  static async open(dir: string, settings: WalSettings, options: TableWalOptions = {}): Promise<TableWal> {
    if (!(settings.groupCommitMs >= 0 && settings.groupCommitBytes > 0 && settings.segmentBytes > 0)) {
      throw new RangeError('WAL settings need groupCommitMs >= 0, groupCommitBytes > 0 and segmentBytes > 0');
    }
    const durability = options.durability ?? (settings.fsync ? diskDurability : noDurability);
    await ensureDirectory(dir, durability);
    const identity = await loadOrCreateIdentity(dir, durability);
    const { segments, lastSeq } = await recoverSegments(dir, identity, durability);
    const last = segments.at(-1);
    const active = last && { record: last, file: await open(last.path, 'r+') };
    return new TableWal(dir, settings, identity, durability, segments, active, lastSeq);
  }

  /** Stable id of this WAL: the Delta `txn.appId` for commits of its frames. */
  get walId(): string {
    return this.identity.walId;
  }

  /** The last frame that is written and synced (0 if none ever was). */
  get lastDurable(): WalPosition {
    return this.durableSeq;
  }

  /** The oldest frame still on disk; greater than {@link lastDurable} when none is retained. */
  get firstRetained(): WalPosition {
    return this.segments[0]?.firstSeq ?? ((this.durableSeq + 1) as WalPosition);
  }

  /** Bytes of all retained segments, headers included: how far materialization lags, for backpressure and metrics. */
  get retainedBytes(): number {
    return this.segments.reduce((sum, segment) => sum + segment.size, 0);
  }

  get state(): WalState {
    if (this.closed) return 'closed';
    return this.failure ? 'failed' : 'open';
  }

  stats(): WalStats {
    return { ...this.counters };
  }

  /**
   * Appends one frame. Resolves with its position once the frame is written and synced; rejects with
   * `unavailable` if the WAL failed or is closing. `payload` is written from the caller's buffer without a
   * copy, so it must not be modified until the promise settles.
   */
  append(payload: Uint8Array, rowCount = 0): Promise<WalPosition> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new TributaryError('unavailable', 'the write-ahead log is closing'));
    const seq = this.nextSeq as WalPosition;
    let header: Uint8Array;
    try {
      header = encodeFrameHeader({ seq, rowCount, groupIndex: this.queue.length }, payload, this.identity.checksumSeed);
    } catch (error) {
      return Promise.reject(new TributaryError('invalid_argument', (error as Error).message));
    }
    this.nextSeq++;
    this.counters.appends++;
    return new Promise((resolve, reject) => {
      this.queue.push({ seq, header, payload, resolve, reject });
      this.queuedBytes += header.length + payload.length;
      this.schedule();
    });
  }

  /**
   * Yields every durable frame with a position greater than `after`, in order, up to the last frame that was
   * durable when iteration began. Rejects with `internal` if frames after `after` were already truncated or a frame
   * read back is damaged.
   */
  async *replay(after: WalPosition = WAL_ORIGIN): AsyncGenerator<WalFrame> {
    const until = this.durableSeq;
    if (after >= until) return;
    if (after + 1 < this.firstRetained) {
      throw new TributaryError(
        'internal',
        `WAL ${this.dir}: frames ${after + 1}..${this.firstRetained - 1} were already truncated and cannot be replayed`,
      );
    }
    // Sizes are captured now: the active segment's size only ever covers durable frames.
    const snapshot = this.segments.map((segment, index) => ({
      ...segment,
      lastSeq: (this.segments[index + 1]?.firstSeq ?? until + 1) - 1,
    }));
    for (const segment of snapshot) {
      if (segment.lastSeq <= after || segment.firstSeq > until) continue;
      const file = await this.openForReplay(segment.path);
      try {
        const seed = this.identity.checksumSeed;
        const range = { start: SEGMENT_HEADER_BYTES, end: segment.size, firstSeq: segment.firstSeq, seed };
        for await (const event of scanFrames(file, range)) {
          if (event.kind === 'bad') {
            const where = `WAL segment ${segment.path} is damaged at byte ${event.offset}`;
            throw new TributaryError('internal', `${where}: ${event.reason}`);
          }
          if (event.frame.seq > until) return;
          if (event.frame.seq > after) yield event.frame;
        }
      } finally {
        await file.close();
      }
    }
  }

  /**
   * Deletes the segments all of whose frames are at or before `position` (the Delta commit covering them is
   * done). The segment appends go to is always kept, so the sequence survives a restart. Resolves with the
   * number of segments deleted.
   */
  truncateThrough(position: WalPosition): Promise<number> {
    if (position > this.durableSeq) {
      const message = `cannot truncate the WAL through ${position}: only ${this.durableSeq} is durable`;
      return Promise.reject(new TributaryError('internal', message));
    }
    const run = this.truncation.then(() => this.deleteSegmentsThrough(position));
    this.truncation = run.catch(() => undefined);
    return run;
  }

  /** Writes whatever is queued, waits for it, and closes the files; later appends are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    this.startGroup();
    while (this.inFlight) await this.inFlight;
    await this.truncation;
    await this.active?.file.close();
    this.active = undefined;
    this.closed = true;
  }

  private schedule(): void {
    if (this.inFlight) return; // the group in flight starts the next one when it is done
    if (this.queuedBytes >= this.settings.groupCommitBytes) {
      this.startGroup();
    } else if (!this.cancelWindow) {
      this.cancelWindow = startWindow(this.settings.groupCommitMs, () => this.startGroup());
    }
  }

  private startGroup(): void {
    this.cancelWindow?.();
    this.cancelWindow = undefined;
    if (this.inFlight || this.queue.length === 0) return;
    const group = this.queue;
    const bytes = this.queuedBytes;
    this.queue = [];
    this.queuedBytes = 0;
    this.inFlight = this.commitGroup(group, bytes).finally(() => {
      this.inFlight = undefined;
      // What queued meanwhile has already waited a whole write and sync: no further window.
      this.startGroup();
    });
  }

  private async commitGroup(group: QueuedFrame[], bytes: number): Promise<void> {
    const first = group[0]!.seq;
    const last = group[group.length - 1]!.seq;
    let created: ActiveSegment | undefined;
    try {
      const previous = this.active;
      // Roll only between groups, so a group never spans segments and a new segment's header is written and
      // synced together with its first frames.
      if (!previous || previous.record.size >= this.settings.segmentBytes) {
        created = await this.createSegment(first);
      }
      const target = created ?? previous!;
      const buffers: Uint8Array[] = created ? [encodeSegmentHeader({ firstSeq: first, walId: this.walId })] : [];
      for (const frame of group) buffers.push(frame.header, frame.payload);
      const position = created ? 0 : target.record.size;
      const total = (created ? SEGMENT_HEADER_BYTES : 0) + bytes;
      const { bytesWritten } = await target.file.writev(buffers, position);
      if (bytesWritten !== total) throw new Error(`short write: ${bytesWritten} of ${total} bytes`);
      await this.durability.syncData(target.file);
      if (created) {
        await this.durability.syncDirectory(this.dir);
        this.segments.push(created.record);
        this.active = created;
        created = undefined;
      }
      target.record.size = position + total;
      this.durableSeq = last;
      this.counters.groups++;
      this.counters.bytes += bytes;
      if (target !== previous) {
        // Everything in the previous segment is synced: an error closing it cannot cost data.
        await previous?.file.close().catch(() => undefined);
      }
    } catch (error) {
      await created?.file.close().catch(() => undefined);
      this.fail(error, group);
      return;
    }
    for (const frame of group) frame.resolve(frame.seq);
  }

  private async createSegment(firstSeq: WalPosition): Promise<ActiveSegment> {
    const file = path.join(this.dir, segmentFileName(firstSeq));
    return { record: { path: file, firstSeq, size: SEGMENT_HEADER_BYTES }, file: await open(file, 'wx') };
  }

  private fail(cause: unknown, group: QueuedFrame[]): void {
    const code = (cause as NodeJS.ErrnoException).code;
    const failure = new TributaryError(
      'unavailable',
      `the table's write-ahead log failed (${code ?? 'I/O error'}); nothing more is accepted until the server restarts`,
    );
    failure.cause = cause;
    this.failure = failure;
    this.cancelWindow?.();
    this.cancelWindow = undefined;
    const rejected = [...group, ...this.queue];
    this.queue = [];
    this.queuedBytes = 0;
    for (const frame of rejected) frame.reject(failure);
  }

  private async deleteSegmentsThrough(position: WalPosition): Promise<number> {
    let deleted = 0;
    // Oldest first, each deletion made durable before the next: a crash must never leave a gap in the sequence.
    // The list changes only after the file is gone, so a failed deletion leaves memory agreeing with the disk.
    while (this.segments.length > 1 && this.segments[1]!.firstSeq - 1 <= position) {
      await rm(this.segments[0]!.path, { force: true });
      this.segments.shift();
      await this.durability.syncDirectory(this.dir);
      deleted++;
    }
    return deleted;
  }

  private async openForReplay(file: string): Promise<FileHandle> {
    try {
      return await open(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new TributaryError('internal', `WAL segment ${file} was truncated while being replayed`);
    }
  }
}

/** Runs `callback` after `ms` (on the next turn of the event loop for 0); returns the cancel function. */
function startWindow(ms: number, callback: () => void): () => void {
  if (ms === 0) {
    const immediate = setImmediate(callback);
    return () => clearImmediate(immediate);
  }
  const timer = setTimeout(callback, ms);
  return () => clearTimeout(timer);
}
