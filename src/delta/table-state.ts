/**
 * Action reconciliation: the state of a table at a version, built by applying commits in order (the latest
 * protocol and metadata win, the latest add/remove per path wins, the latest txn per appId wins).
 */
import { fromSparkField, type StructField } from '../catalog/types.js';
import { TributaryError } from '../errors.js';
import type { Action, AddFile, MetadataAction, ProtocolAction, RemoveFile, TxnAction } from './actions.js';

/** A table at one version, as readers see it. */
export interface Snapshot {
  readonly version: number;
  readonly protocol: ProtocolAction;
  readonly metadata: MetadataAction;
  /** The live data files. */
  readonly files: readonly AddFile[];
  /** Latest committed txn version per appId (for Tributary: the WAL position a WAL's data is committed to). */
  readonly txns: ReadonlyMap<string, number>;
  /** Removed files not yet expired, kept for VACUUM. */
  readonly tombstones: readonly RemoveFile[];
}

/** Mutable reconciled state; apply every version in order, starting from a checkpoint or version 0. */
export class TableState {
  version = -1;
  protocol: ProtocolAction | undefined;
  metadata: MetadataAction | undefined;
  readonly files = new Map<string, AddFile>();
  readonly tombstones = new Map<string, RemoveFile>();
  readonly txns = new Map<string, TxnAction>();

  /** Applies the actions of `version`, which must directly follow the current one. */
  apply(version: number, actions: readonly Action[]): void {
    if (this.version >= 0 && version !== this.version + 1) {
      throw new TributaryError('internal', `Delta log version ${version} does not follow ${this.version}`);
    }
    this.applyActions(actions);
    this.version = version;
  }

  /** Applies checkpoint rows: the complete state at `version`. */
  loadCheckpoint(version: number, actions: readonly Action[]): void {
    this.applyActions(actions);
    this.version = version;
  }

  private applyActions(actions: readonly Action[]): void {
    for (const action of actions) {
      if ('add' in action) {
        this.files.set(action.add.path, action.add);
        this.tombstones.delete(action.add.path);
      } else if ('remove' in action) {
        this.files.delete(action.remove.path);
        this.tombstones.set(action.remove.path, action.remove);
      } else if ('txn' in action) {
        this.txns.set(action.txn.appId, action.txn);
      } else if ('metaData' in action) {
        this.metadata = action.metaData;
      } else if ('protocol' in action) {
        this.protocol = action.protocol;
      }
    }
  }

  /** An immutable view; throws when the log never set protocol or metadata (not a Delta table). */
  snapshot(): Snapshot {
    if (!this.protocol || !this.metadata) {
      throw new TributaryError('internal', `Delta log up to version ${this.version} has no protocol or metadata`);
    }
    return {
      version: this.version,
      protocol: this.protocol,
      metadata: this.metadata,
      files: [...this.files.values()],
      txns: new Map([...this.txns].map(([appId, t]) => [appId, t.version])),
      tombstones: [...this.tombstones.values()],
    };
  }

  /** Forgets tombstones deleted at or before `cutoff`: they expired, VACUUM no longer needs them. */
  expireTombstones(cutoff: number): void {
    for (const [path, remove] of this.tombstones) {
      if ((remove.deletionTimestamp ?? 0) <= cutoff) this.tombstones.delete(path);
    }
  }

  /** The rows of a checkpoint of the current version: protocol, metadata, txns, live files, tombstones. */
  checkpointActions(): Action[] {
    const { protocol, metadata } = this.snapshot();
    const actions: Action[] = [{ protocol }, { metaData: metadata }];
    for (const txn of this.txns.values()) actions.push({ txn });
    for (const add of this.files.values()) actions.push({ add: { ...add, dataChange: false } });
    for (const remove of this.tombstones.values()) actions.push({ remove: { ...remove, dataChange: false } });
    return actions;
  }
}

/** The table's columns from its metadata's schema string. */
export function schemaFields(metadata: MetadataAction): StructField[] {
  const schema = JSON.parse(metadata.schemaString) as { fields?: unknown[] };
  return (schema.fields ?? []).map((f) => fromSparkField(f));
}
