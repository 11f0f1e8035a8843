/**
 * Metadata cleanup (PROTOCOL.md): commits and checkpoints older than `delta.logRetentionDuration` are
 * deleted, but only those before a checkpoint that is itself not newer than the retention cutoff, so the
 * state at every retained version can still be read.
 */
import { LOG_DIR, parseLogKey } from './actions.js';
import type { ObjectStore } from './object-store.js';

const DAY_MS = 86_400_000;

/** Deletes expired log files; returns how many. */
export async function cleanupLog(store: ObjectStore, opts: { retentionMs: number; now: number }): Promise<number> {
  // Midnight UTC of the cutoff day, as the protocol describes: cleanup never reaches past it.
  const cutoff = Math.floor((opts.now - opts.retentionMs) / DAY_MS) * DAY_MS;
  const files = (await store.list(LOG_DIR)).map((o) => ({ ...o, file: parseLogKey(o.key) }));

  let cutoffCommit = -1;
  for (const { file, modified } of files) {
    if (file.kind === 'commit' && modified <= cutoff && file.version > cutoffCommit) cutoffCommit = file.version;
  }
  let cutoffCheckpoint = -1;
  for (const { file } of files) {
    if (file.kind === 'checkpoint' && file.version <= cutoffCommit && file.version > cutoffCheckpoint) {
      cutoffCheckpoint = file.version;
    }
  }
  if (cutoffCheckpoint < 0) return 0;

  let deleted = 0;
  for (const { key, file } of files) {
    if (file.kind !== 'other' && file.version < cutoffCheckpoint) {
      await store.delete(key);
      deleted++;
    }
  }
  return deleted;
}
