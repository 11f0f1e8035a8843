/**
 * Turns a table's durable WAL frames into Delta commits: frames are buffered in memory and flushed every
 * `flushIntervalMs` or `flushBytes` as one Parquet file (encoded in a worker thread) and one commit whose
 * `txn` (appId = the WAL's id, version = the last WAL position in the file) makes replay idempotent. After a
 * commit the WAL is truncated behind it.
 *
 * Crash safety: the WAL is the source of truth until a commit covers a position. On start the table's txn
 * version says what is committed; everything after it is replayed from the WAL. A crash after the Parquet
 * write leaves an unreferenced file (VACUUM removes it); a crash after the commit but before truncation
 * replays nothing twice, because replay starts after the committed txn version.
 */
import type { Logger } from 'pino';
import type { TableInfo } from '../catalog/model.js';
import { TributaryError } from '../errors.js';
import type { MaterializerSettings } from '../server/config.js';
import { WAL_ORIGIN, walPosition, type WalPosition } from '../wal/position.js';
import { ENGINE_INFO, encodeDataPath, type Action } from './actions.js';
import { toArrowSchema } from './arrow-schema.js';
import { compactTable } from './compaction.js';
import { DeltaLog, type ConflictCheck } from './delta-log.js';
import { objectStoreFor, type ObjectStore } from './object-store.js';
import { dataFileName } from './parquet-file.js';
import type { ParquetWorkerPool } from './parquet-pool.js';
import { isWritable } from './table-create.js';
import { schemaFields } from './table-state.js';
import type { StructField } from '../catalog/types.js';

/** What the materializer needs from a table's WAL. */
export interface MaterializerWal {
  /** Stable id of the WAL: the Delta `txn.appId`. */
  readonly walId: string;
  /** Durable frames after `after`, in order. */
  replay(after: WalPosition): AsyncIterable<{ readonly seq: WalPosition; readonly payload: Uint8Array }>;
  /** Releases frames up to `position`: they are committed. */
  truncateThrough(position: WalPosition): Promise<unknown>;
}

export interface MaterializerOptions {
  readonly table: TableInfo;
  readonly wal: MaterializerWal;
  readonly settings: MaterializerSettings;
  readonly pool: ParquetWorkerPool;
  readonly logger?: Logger;
  /** Defaults to the store of `table.storageLocation`. */
  readonly store?: ObjectStore;
  /** Whether the catalog still holds this table (same id); asked before each commit. */
  readonly isCurrent?: () => Promise<boolean>;
  /**
   * Called with each offered payload once its rows are committed (or its table dropped). The materializer
   * holds it no more, and nor does the Parquet worker it lent it to, so its memory may be reused.
   */
  readonly releasePayload?: (payload: Uint8Array) => void;
}

/** Counters for `/metrics` and benches. */
export interface MaterializerMetrics {
  rowsMaterialized: number;
  commits: number;
  filesWritten: number;
  /** Milliseconds the last successful flush took (encode + write + commit). */
  lastFlushMs: number;
  failedFlushes: number;
  /** Versions another writer committed first (each cost a retry on the next version). */
  lostRaces: number;
  compactions: number;
}

interface Frame {
  readonly seq: WalPosition;
  readonly ipc: Uint8Array;
  readonly bytes: number;
}

/**
 * Arrow bytes per data file written by a flush, unless the settings say otherwise. A flush (up to
 * `flushBytes`, 128 MiB by default) is one commit of one or more files: the Parquet worker holds two or
 * three copies of the file it encodes, in WebAssembly memory that never shrinks. 32 MiB files keep the
 * server 100–170 MiB below what 64 MiB files cost, at the same throughput (measured back to back).
 */
const FILE_ARROW_BYTES = 32 * 1024 * 1024;

/**
 * Arrow bytes one background compaction may decode. The worker holds several copies of them at its peak,
 * so this keeps a compaction within a few hundred megabytes however well the table's files compress.
 * Files of half this or more are left as they are: a busy table's flush files are not rewritten, and
 * `tributary optimize` merges further when asked.
 */
const COMPACTION_ARROW_BYTES = 32 * 1024 * 1024;

/** Backoff after a failed flush: doubles from 100 ms up to 30 s. */
const RETRY_BASE_MS = 100;
const RETRY_MAX_MS = 30_000;
/** On close a flush is tried this often; what still fails stays in the WAL for the next start. */
const CLOSE_ATTEMPTS = 3;

export class Materializer {
  readonly metrics: MaterializerMetrics = {
    rowsMaterialized: 0,
    commits: 0,
    filesWritten: 0,
    lastFlushMs: 0,
    failedFlushes: 0,
    lostRaces: 0,
    compactions: 0,
  };

  private readonly store: ObjectStore;
  private readonly logger: Logger | undefined;
  private log: DeltaLog | undefined;
  private fields: readonly StructField[] = [];
  private buffer: Frame[] = [];
  private buffered = 0;
  private committed: WalPosition = WAL_ORIGIN;
  /** The last position in memory; a frame must follow it directly. */
  private lastSeen: WalPosition = WAL_ORIGIN;
  /** Set when a frame did not follow: the WAL is read again before the next commit. */
  private gap = false;
  private flushChain: Promise<void> = Promise.resolve();
  private flushQueued = false;
  private timer: NodeJS.Timeout | undefined;
  private compaction: Promise<void> | undefined;
  /** Called after each commit attempt, successful or not (see {@link bufferedBelow}). */
  private commitWaiters: (() => void)[] = [];
  /** Arrow IPC bytes and rows committed by this writer, for the size of a row in memory. */
  private committedIpcBytes = 0;
  private committedRows = 0;
  private closing = false;
  /** Set when the table was dropped under this writer: nothing more is committed. */
  private dropped = false;

  constructor(private readonly opts: MaterializerOptions) {
    this.store = opts.store ?? objectStoreFor(opts.table.storageLocation);
    this.logger = opts.logger;
  }

  /** The last WAL position committed to the Delta table. */
  get committedPosition(): WalPosition {
    return this.committed;
  }

  /** True once the table was found dropped: the writer accepts nothing more. */
  get tableDropped(): boolean {
    return this.dropped;
  }

  /** Bytes offered but not yet committed (for backpressure). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * How much a writer may buffer before it waits ({@link bufferedBelow}): one flush under way plus one
   * file's worth arriving meanwhile. Twice `flushBytes` kept the server above 1 GiB with 4–16 KB records;
   * a tighter limit (flushBytes plus half a file) only slowed writers down.
   */
  get backlogLimitBytes(): number {
    return this.opts.settings.flushBytes + (this.opts.settings.fileBytes ?? FILE_ARROW_BYTES);
  }

  /**
   * Resolves once fewer than `bytes` are buffered (or the writer closed), for backpressure: it waits for
   * the commits under way, not for a flush of everything buffered, so writers resume as soon as the
   * materializer has caught up below the limit.
   */
  async bufferedBelow(bytes: number): Promise<void> {
    while (this.buffered >= bytes && !this.closing && !this.dropped) {
      this.scheduleFlush();
      await new Promise<void>((resolve) => this.commitWaiters.push(resolve));
    }
  }

  /** Loads the table, then replays and commits every WAL frame after the table's txn version. */
  async start(): Promise<void> {
    const { table, wal, pool, settings, logger } = this.opts;
    this.log = await DeltaLog.open(this.store, {
      pool,
      checkpointInterval: settings.checkpointInterval,
      ...(logger ? { logger } : {}),
    });
    const snapshot = this.log.snapshot();
    if (!isWritable(snapshot.protocol)) {
      throw new TributaryError('failed_precondition', `table ${table.fullName} uses Delta features Tributary cannot write`, {
        table: table.fullName,
      });
    }
    this.fields = schemaFields(snapshot.metadata);
    if (String(toArrowSchema(this.fields)) !== String(toArrowSchema(table.columns))) {
      throw new TributaryError('failed_precondition', `the Delta schema of ${table.fullName} differs from the catalog's`, {
        table: table.fullName,
      });
    }
    this.committed = walPosition(this.log.txnVersion(wal.walId) ?? WAL_ORIGIN);
    this.lastSeen = this.committed;
    // A crash between a commit and the truncation behind it leaves segments that are already in Delta.
    await this.truncate();
    await this.readWal();
    await this.flush();
  }

  /**
   * Takes a durable WAL frame. Never blocks: the frame is buffered and committed on the next flush (at once
   * when the buffer reaches `flushBytes`, else within `flushIntervalMs`). Frames must come in WAL order; one
   * that skips a position makes the next flush read the missing frames from the WAL.
   */
  offer(seq: WalPosition, ipc: Uint8Array, _rows: number, bytes: number): void {
    // After close the frame is durable in the WAL all the same; the next start replays it.
    if (this.closing || this.dropped) return;
    this.accept(seq, ipc, bytes, false);
    if (this.buffered >= this.opts.settings.flushBytes) this.scheduleFlush();
    else this.armTimer();
  }

  /** Commits everything buffered now; resolves when it is in the Delta table. */
  flush(): Promise<void> {
    const run = this.flushChain.then(() => this.flushBuffered());
    this.flushChain = run.catch(() => {});
    return run;
  }

  /** Final flush; waits for background compaction and checkpoints. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
    await this.compaction;
    await this.log?.idle();
  }

  /**
   * Buffers the frame that follows the last one in memory. An offered frame that skips positions sets
   * `gap` and is dropped: committing past a frame never seen would lose it, so the missing frames (and it)
   * are read from the WAL instead, whose frames are always taken.
   */
  private accept(seq: WalPosition, ipc: Uint8Array, bytes: number, fromWal: boolean): void {
    if (seq <= this.lastSeen) return;
    if (seq !== this.lastSeen + 1) {
      if (fromWal) throw new TributaryError('internal', `WAL replay skipped from ${this.lastSeen} to ${seq}`);
      this.gap = true;
      return;
    }
    if (this.gap && !fromWal) return;
    this.buffer.push({ seq, ipc, bytes });
    this.buffered += bytes;
    this.lastSeen = seq;
  }

  /** Appends the WAL's durable frames after what is in memory. */
  private async readWal(): Promise<void> {
    this.gap = false;
    for await (const frame of this.opts.wal.replay(this.lastSeen)) {
      this.accept(frame.seq, frame.payload, frame.payload.byteLength, true);
      if (this.buffered >= this.opts.settings.flushBytes) await this.commitBuffered(false);
    }
  }

  private armTimer(): void {
    if (this.timer !== undefined || this.buffer.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.scheduleFlush();
    }, this.opts.settings.flushIntervalMs);
    this.timer.unref();
  }

  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flush().catch((error: unknown) => this.logger?.error({ err: error }, 'Delta flush failed'));
  }

  private async flushBuffered(): Promise<void> {
    this.flushQueued = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.gap) await this.readWal();
    // Only what is buffered now: frames arriving during these commits wait for the next interval (or for
    // flushBytes). Committing them at once made a busy table commit back to back, a small file each time.
    const target = this.lastSeen;
    while (this.buffer.length > 0 && this.buffer[0]!.seq <= target) {
      await this.commitBuffered(true);
      if (this.gap) await this.readWal();
    }
  }

  /** Commits a prefix of the buffer of at most `flushBytes`, retrying failures with backoff. */
  private async commitBuffered(retry: boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.commitPrefix();
        this.armTimer();
        return;
      } catch (error) {
        this.wakeCommitWaiters();
        this.metrics.failedFlushes++;
        if (error instanceof TableDroppedError) {
          // Its rows went with the table; what is left in its WAL is never replayed (the id is gone).
          this.dropped = true;
          this.release(this.buffer);
          this.buffer = [];
          this.buffered = 0;
        }
        const giveUp = !retry || this.dropped || (this.closing && attempt >= CLOSE_ATTEMPTS);
        this.logger?.error({ err: error, attempt, giveUp }, 'Delta commit failed; the data stays in the WAL');
        if (giveUp) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempt - 1))));
      }
    }
  }

  private async commitPrefix(): Promise<void> {
    const log = this.log;
    if (!log) throw new TributaryError('failed_precondition', 'the materializer was not started');
    const started = performance.now();
    const frames: Frame[] = [];
    let bytes = 0;
    for (const frame of this.buffer) {
      if (frames.length > 0 && bytes + frame.bytes > this.opts.settings.flushBytes) break;
      frames.push(frame);
      bytes += frame.bytes;
    }
    const first = frames[0]!.seq;
    const last = frames[frames.length - 1]!.seq;
    // A table dropped (and perhaps created again under the same name) while this writer ran must not get
    // this commit: the next version of the log it knows would land on top of another table's log.
    if (this.opts.isCurrent && !(await this.opts.isCurrent())) throw new TableDroppedError(this.opts.table.fullName);

    // One commit per flush, in files of bounded size: the worker's memory follows the file it encodes,
    // not the flush.
    const codec = this.opts.settings.dataFileCodec ?? 'snappy';
    const written = await Promise.allSettled(
      chunkFrames(frames, this.opts.settings.fileBytes ?? FILE_ARROW_BYTES).map(async (chunk) => {
        const encoded = await this.opts.pool.encodeFile(
          this.fields,
          chunk.map((f) => f.ipc),
          codec,
        );
        const name = dataFileName(codec);
        await this.store.put(name, encoded.bytes);
        return { name, encoded };
      }),
    );
    const files = written.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = written.find((r) => r.status === 'rejected');
    if (failed) {
      // The retry writes new files; these would only be orphans.
      await Promise.allSettled(files.map((f) => this.store.delete(f.name)));
      throw failed.reason;
    }
    const now = Date.now();
    const appId = this.opts.wal.walId;
    const actions: Action[] = [
      ...files.map(({ name, encoded }): Action => ({
        add: {
          path: encodeDataPath(name),
          partitionValues: {},
          size: encoded.bytes.byteLength,
          modificationTime: now,
          dataChange: true,
          stats: encoded.stats,
        },
      })),
      { txn: { appId, version: last, lastUpdated: now } },
      {
        commitInfo: {
          timestamp: now,
          operation: 'STREAMING UPDATE',
          operationParameters: { outputMode: 'Append', queryId: appId, epochId: String(last) },
          engineInfo: ENGINE_INFO,
          isBlindAppend: true,
        },
      },
    ];
    const outcome = await log.commit(actions, appendCheck(appId, first, last, log.metadata.schemaString));
    this.metrics.lostRaces += outcome.lostRaces;
    const rows = files.reduce((n, f) => n + f.encoded.numRecords, 0);
    if (outcome.kind === 'superseded') {
      // Our own earlier attempt (whose reply was lost) or a twin already committed these frames.
      await Promise.all(files.map((f) => this.store.delete(f.name)));
    } else {
      this.metrics.commits++;
      this.metrics.filesWritten += files.length;
      this.metrics.rowsMaterialized += rows;
      this.metrics.lastFlushMs = performance.now() - started;
    }
    this.committedIpcBytes += bytes;
    this.committedRows += rows;

    this.buffer = this.buffer.slice(frames.length);
    this.buffered -= bytes;
    this.release(frames);
    this.committed = last;
    this.wakeCommitWaiters();
    await this.truncate();
    this.maybeCompact();
  }

  private release(frames: readonly Frame[]): void {
    const release = this.opts.releasePayload;
    if (release) for (const frame of frames) release(frame.ipc);
  }

  private wakeCommitWaiters(): void {
    for (const wake of this.commitWaiters.splice(0)) wake();
  }

  private async truncate(): Promise<void> {
    if (this.committed === WAL_ORIGIN) return;
    try {
      await this.opts.wal.truncateThrough(this.committed);
    } catch (error) {
      // Harmless: the segments stay until the next truncation; replay skips what is committed.
      this.logger?.warn({ err: error, position: this.committed }, 'WAL truncation failed');
    }
  }

  private maybeCompact(): void {
    const log = this.log;
    if (!log || this.compaction || this.closing) return;
    const minFiles = this.opts.settings.compactMinFiles;
    if (log.fileCount < minFiles || this.committedRows === 0) return;
    const maxInputRows = Math.floor(COMPACTION_ARROW_BYTES / (this.committedIpcBytes / this.committedRows));
    this.compaction = compactTable(log, this.opts.pool, { minFiles, maxInputRows })
      .then((result) => {
        if (result) this.metrics.compactions++;
      })
      .catch((error: unknown) => this.logger?.warn({ err: error }, 'compaction failed; it is tried again later'))
      .finally(() => {
        this.compaction = undefined;
      });
  }
}

/**
 * Appends conflict with nothing but a schema or protocol change; a winner carrying our txn at or beyond
 * our last position already holds these frames.
 */
function appendCheck(appId: string, first: WalPosition, last: WalPosition, schemaString: string): ConflictCheck {
  return (winner) => {
    let verdict: 'retry' | 'superseded' = 'retry';
    for (const action of winner) {
      if ('txn' in action && action.txn.appId === appId && action.txn.version >= first) {
        if (action.txn.version < last) {
          throw new TributaryError('internal', `another writer committed WAL positions ${first}..${action.txn.version} of ${appId}`);
        }
        verdict = 'superseded';
      } else if ('metaData' in action && action.metaData.schemaString !== schemaString) {
        throw new TributaryError('failed_precondition', 'the table schema changed during the commit');
      } else if ('protocol' in action && !isWritable(action.protocol)) {
        throw new TributaryError('failed_precondition', 'the table protocol changed to one Tributary cannot write');
      }
    }
    return verdict;
  };
}

/** The table's log disappeared under a running writer: it was dropped. */
class TableDroppedError extends TributaryError {
  constructor(table: string) {
    super('failed_precondition', `table ${table} was dropped while being written; its uncommitted rows are discarded`, {
      table,
    });
  }
}

/** Consecutive runs of frames of at most `maxBytes` each (a larger frame is a run of its own). */
function chunkFrames(frames: readonly Frame[], maxBytes: number): Frame[][] {
  const chunks: Frame[][] = [];
  let current: Frame[] = [];
  let bytes = 0;
  for (const frame of frames) {
    if (current.length > 0 && bytes + frame.bytes > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(frame);
    bytes += frame.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
