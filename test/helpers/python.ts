/**
 * A project-local Python virtualenv (`.venv` at the repo root, gitignored) with the pinned packages of
 * `requirements.txt`, for tests that check our tables with independent readers (delta-rs, pyarrow).
 *
 * Several test processes may ask at once: one builds the venv under an exclusive lock file, the others wait
 * for it and then find the stamp that says which requirements the venv holds.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const VENV = path.join(ROOT, '.venv');
const REQUIREMENTS = path.join(ROOT, 'test', 'helpers', 'requirements.txt');
const STAMP = path.join(VENV, '.tributary-requirements');
const LOCK = path.join(ROOT, '.cache', 'venv.lock');
/** pip over the network can take minutes; a lock older than this belongs to a dead builder. */
const STALE_LOCK_MS = 15 * 60 * 1000;

let pending: Promise<{ python: string }> | undefined;

/** Creates (once per requirements version) and returns the project venv's interpreter. */
export function ensureVenv(): Promise<{ python: string }> {
  pending ??= build().catch((e: unknown) => {
    pending = undefined;
    throw e;
  });
  return pending;
}

async function build(): Promise<{ python: string }> {
  const python = path.join(VENV, 'bin', 'python');
  const wanted = createHash('sha256').update(await fs.readFile(REQUIREMENTS)).digest('hex');
  if ((await readStamp()) === wanted) return { python };
  const release = await acquireLock();
  try {
    if ((await readStamp()) === wanted) return { python };
    await fs.rm(VENV, { recursive: true, force: true });
    await run(systemPython(), ['-m', 'venv', VENV]);
    await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', REQUIREMENTS], {
      maxBuffer: 16 * 1024 * 1024,
    });
    await fs.writeFile(STAMP, wanted);
    return { python };
  } finally {
    await release();
  }
}

function systemPython(): string {
  return process.platform === 'win32' ? 'python' : 'python3';
}

async function readStamp(): Promise<string | undefined> {
  try {
    return (await fs.readFile(STAMP, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

async function acquireLock(): Promise<() => Promise<void>> {
  await fs.mkdir(path.dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      const handle = await fs.open(LOCK, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => fs.rm(LOCK, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (await lockIsStale()) await fs.rm(LOCK, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function lockIsStale(): Promise<boolean> {
  try {
    const [stat, owner] = await Promise.all([fs.stat(LOCK), fs.readFile(LOCK, 'utf8')]);
    if (Date.now() - stat.mtimeMs > STALE_LOCK_MS) return true;
    const pid = Number(owner);
    if (!Number.isInteger(pid) || pid <= 0) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  } catch {
    return false;
  }
}

/** Runs a Python script in the venv and parses the JSON it prints on stdout. */
export async function runPythonJson<T>(script: string, args: readonly string[] = []): Promise<T> {
  const { python } = await ensureVenv();
  const { stdout } = await run(python, ['-c', script, ...args], { maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(stdout) as T;
}
