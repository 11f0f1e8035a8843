/**
 * The durability primitives the WAL relies on, behind a small interface so tests can count or fail them while
 * still writing real files, and so `fsync: false` is one substitution instead of flags through the code.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export interface DurabilityOps {
  /** Makes the data written to `file` (and the size it implies) durable: fdatasync. */
  syncData(file: FileHandle): Promise<void>;
  /** Makes the entries of `dir` (files created, renamed or removed in it) durable: fsync on the directory. */
  syncDirectory(dir: string): Promise<void>;
}

/** Real fdatasync/fsync: what every server runs with. */
export const diskDurability: DurabilityOps = {
  syncData: (file) => file.datasync(),
  async syncDirectory(dir) {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

/** No syncing at all: for tests that do not exercise crash safety (`WalSettings.fsync = false`). */
export const noDurability: DurabilityOps = {
  syncData: () => Promise.resolve(),
  syncDirectory: () => Promise.resolve(),
};

/**
 * Creates `dir` (and missing parents) so that it survives a crash: each new directory's entry is synced in
 * its parent, otherwise a file synced inside it could vanish together with the directory.
 */
export async function ensureDirectory(dir: string, durability: DurabilityOps): Promise<void> {
  const firstCreated = await mkdir(dir, { recursive: true });
  if (firstCreated === undefined) return;
  const top = path.resolve(firstCreated);
  const created: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    created.push(d);
    if (d === top || d === path.dirname(d)) break;
  }
  for (const d of created.reverse()) await durability.syncDirectory(path.dirname(d));
}
