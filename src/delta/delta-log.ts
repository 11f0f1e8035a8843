/**
 * One writer's handle on a table's log: the reconciled state at the latest version it knows, the commit
 * protocol (atomic put-if-absent of the next version; on a lost race, read the winners, let the caller judge
 * them, retry on the next version), and checkpoints plus log cleanup in the background after commits.
 */
import type { Logger } from 'pino';
import { TributaryError } from '../errors.js';
import {
  LAST_CHECKPOINT_KEY,
  checkpointKey,
  commitKey,
  encodeCommit,
  type Action,
  type LastCheckpoint,
  type MetadataAction,
} from './actions.js';
import { encodeCheckpoint } from './checkpoint.js';
import { cleanupLog } from './log-cleanup.js';
import type { ObjectStore } from './object-store.js';
import type { ParquetWorkerPool } from './parquet-pool.js';
import { catchUp, loadTableState } from './snapshot.js';
import { checkpointIntervalOf, retentionOf } from './table-properties.js';
import type { Snapshot, TableState } from './table-state.js';

/** What a writer decides after seeing the actions of a commit that took the version it wanted. */
export type ConflictVerdict =
  /** No logical conflict: try again on the next version. */
  | 'retry'
  /** The winner already did what this commit would do (the same txn): do not commit. */
  | 'superseded';

/** Judges one winning commit; throws a TributaryError for a real conflict. */
export type ConflictCheck = (winner: readonly Action[]) => ConflictVerdict;

/** How a commit ended, and how many versions other writers took first. */
export type CommitOutcome =
  | { readonly kind: 'committed'; readonly version: number; readonly lostRaces: number }
  | { readonly kind: 'superseded'; readonly version: number; readonly lostRaces: number };

export interface DeltaLogOptions {
  /** Encodes checkpoints off the event loop; without one they are encoded inline (CLI tools). */
  readonly pool?: ParquetWorkerPool;
  /** Commits between checkpoints when the table does not set `delta.checkpointInterval`. */
  readonly checkpointInterval?: number;
  /** Least time between two log cleanups (listing a long log is not free). */
  readonly cleanupIntervalMs?: number;
  readonly logger?: Logger;
  readonly now?: () => number;
}

/** Attempts before a commit gives up; each lost race means another writer made progress. */
const MAX_COMMIT_ATTEMPTS = 10_000;
const DEFAULT_CHECKPOINT_INTERVAL = 10;
const DEFAULT_CLEANUP_INTERVAL_MS = 60 * 60 * 1000;

export class DeltaLog {
  private commitChain: Promise<unknown> = Promise.resolve();
  private maintenance: Promise<void> = Promise.resolve();
  private lastCleanup = -Infinity;
  private readonly now: () => number;

  private constructor(
    readonly store: ObjectStore,
    private readonly state: TableState,
    private readonly opts: DeltaLogOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Loads the table's latest state (checkpoint + later commits). */
  static async open(store: ObjectStore, opts: DeltaLogOptions = {}): Promise<DeltaLog> {
    return new DeltaLog(store, await loadTableState(store), opts);
  }

  get version(): number {
    return this.state.version;
  }

  /** The table's metadata at {@link version}. */
  get metadata(): MetadataAction {
    const metadata = this.state.metadata;
    if (!metadata) throw new TributaryError('internal', 'the Delta log has no metadata');
    return metadata;
  }

  /** Live data files at {@link version}. */
  get fileCount(): number {
    return this.state.files.size;
  }

  /** The state at {@link version}, as an immutable snapshot (copies the file list). */
  snapshot(): Snapshot {
    return this.state.snapshot();
  }

  /** The latest committed txn version of an application (a WAL), if any. */
  txnVersion(appId: string): number | undefined {
    return this.state.txns.get(appId)?.version;
  }

  /** Applies commits other writers made since this handle last looked. */
  refresh(): Promise<void> {
    return this.serialized(async () => {
      await catchUp(this.store, this.state);
    });
  }

  /**
   * Commits `actions` as the next version. Commits through one handle are serialized; a version taken by
   * another writer is read, judged by `check`, and the commit retried on the following version.
   */
  commit(actions: readonly Action[], check: ConflictCheck): Promise<CommitOutcome> {
    return this.serialized(async () => {
      const bytes = encodeCommit(actions);
      for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
        const version = this.state.version + 1;
        if (await this.store.putIfAbsent(commitKey(version), bytes)) {
          this.state.apply(version, actions);
          this.afterCommit(version);
          return { kind: 'committed', version, lostRaces: attempt };
        }
        for (const winner of await catchUp(this.store, this.state)) {
          if (check(winner.actions) === 'superseded') {
            return { kind: 'superseded', version: winner.version, lostRaces: attempt + 1 };
          }
        }
      }
      throw new TributaryError('unavailable', `gave up committing after ${MAX_COMMIT_ATTEMPTS} lost races`);
    });
  }

  /** Writes a checkpoint of the current version now (and cleans up the log), whatever the interval. */
  checkpoint(): Promise<void> {
    return this.serialized(async () => {
      this.scheduleCheckpoint(this.state.version, true);
    }).then(() => this.maintenance);
  }

  /** Waits for background checkpoints and cleanup started so far. */
  idle(): Promise<void> {
    return this.commitChain.then(() => this.maintenance);
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.commitChain.then(fn);
    this.commitChain = run.catch(() => {});
    return run;
  }

  private afterCommit(version: number): void {
    const configuration = this.state.metadata?.configuration ?? {};
    const interval = checkpointIntervalOf(configuration, this.opts.checkpointInterval ?? DEFAULT_CHECKPOINT_INTERVAL);
    if (version > 0 && version % interval === 0) this.scheduleCheckpoint(version, false);
  }

  /**
   * Takes the checkpoint rows now, while the state is exactly at `version`, and writes them in the
   * background: commits go on meanwhile, and a failed checkpoint only costs readers some speed.
   */
  private scheduleCheckpoint(version: number, forceCleanup: boolean): void {
    const { deletedFileRetentionMs, logRetentionMs } = retentionOf(this.state.metadata?.configuration ?? {});
    this.state.expireTombstones(this.now() - deletedFileRetentionMs);
    const actions = this.state.checkpointActions();
    const numOfAddFiles = this.state.files.size;
    this.maintenance = this.maintenance.then(async () => {
      try {
        const bytes = this.opts.pool ? await this.opts.pool.encodeCheckpoint(actions) : encodeCheckpoint(actions);
        await this.store.put(checkpointKey(version), bytes);
        const pointer: LastCheckpoint = { version, size: actions.length, sizeInBytes: bytes.byteLength, numOfAddFiles };
        await this.store.put(LAST_CHECKPOINT_KEY, Buffer.from(JSON.stringify(pointer)));
        const now = this.now();
        if (forceCleanup || now - this.lastCleanup >= (this.opts.cleanupIntervalMs ?? DEFAULT_CLEANUP_INTERVAL_MS)) {
          this.lastCleanup = now;
          await cleanupLog(this.store, { retentionMs: logRetentionMs, now });
        }
      } catch (error) {
        this.opts.logger?.warn({ err: error, version }, 'Delta checkpoint failed; readers replay more commits');
      }
    });
  }
}
