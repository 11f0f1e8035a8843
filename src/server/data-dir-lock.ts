/**
 * One server per data directory: two processes appending to the same WAL would corrupt it. The lock is a
 * file created exclusively and holding the owner's pid; a lock left by a killed process is taken over.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { TributaryError } from '../errors.js';

export interface DataDirLock {
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock on `dataDir`, or throws naming the process that holds it. */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const file = path.join(dataDir, 'serve.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return { release: () => unlink(file).catch(() => undefined) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
      throw new TributaryError(
        'failed_precondition',
        `data directory ${dataDir} is in use by another tributary serve (pid ${owner}); stop it or use --data-dir`,
      );
    }
    await unlink(file).catch(() => undefined);
  }
  throw new TributaryError('failed_precondition', `could not lock data directory ${dataDir}`);
}
