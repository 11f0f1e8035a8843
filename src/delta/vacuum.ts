/**
 * VACUUM: deletes data files the current snapshot no longer references, once they are older than the
 * deleted-file retention (`delta.deletedFileRetentionDuration`, 7 days by default). Removed files count from
 * their removal; files never committed (a crash between the Parquet write and the commit) from their
 * modification time, so a write in flight is never taken.
 */
import { dataKey } from './actions.js';
import type { ObjectStore } from './object-store.js';
import { loadSnapshot } from './snapshot.js';
import { retentionOf } from './table-properties.js';

export interface VacuumOptions {
  /** Overrides the table's retention (tests, or an operator who knows no reader needs older versions). */
  readonly retentionMs?: number;
  readonly now?: number;
  /** List what would be deleted without deleting. */
  readonly dryRun?: boolean;
}

export interface VacuumResult {
  readonly retentionMs: number;
  /** Keys of the files deleted (or, with dryRun, that would be). */
  readonly deleted: string[];
}

export async function vacuumTable(store: ObjectStore, opts: VacuumOptions = {}): Promise<VacuumResult> {
  const snapshot = await loadSnapshot(store);
  const retentionMs = opts.retentionMs ?? retentionOf(snapshot.metadata.configuration).deletedFileRetentionMs;
  const cutoff = (opts.now ?? Date.now()) - retentionMs;
  const live = new Set(snapshot.files.map((f) => dataKey(f.path)));
  const removedAt = new Map(snapshot.tombstones.map((t) => [dataKey(t.path), t.deletionTimestamp ?? 0]));

  const deleted: string[] = [];
  for (const object of await store.list('')) {
    // `_delta_log` and other `_`/`.` names are not data files (PROTOCOL.md: data lives in non-hidden paths).
    if (object.key.startsWith('_') || object.key.startsWith('.') || live.has(object.key)) continue;
    const since = removedAt.get(object.key) ?? object.modified;
    if (since >= cutoff) continue;
    if (!opts.dryRun) await store.delete(object.key);
    deleted.push(object.key);
  }
  return { retentionMs, deleted };
}
