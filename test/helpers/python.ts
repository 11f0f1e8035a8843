/**
 * A project-local Python virtualenv (`.venv` at the repo root, gitignored) with the pinned packages of
 * `requirements.txt`, for tests that check our tables with independent readers (delta-rs, pyarrow).
 * Optional sets (`requirements-<name>.txt`) are installed into the same venv on top, only for the tests
 * that ask for them: the official Python Zerobus SDK and DuckDB (`compat`), Spark with Delta (`spark`).
 *
 * Several test processes may ask at once: one builds the venv under an exclusive lock file, the others wait
 * for it and then find the stamps that say which requirements the venv holds (one stamp per set, so the
 * base stamp keeps the format older checkouts read).
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
const HELPERS = path.join(ROOT, 'test', 'helpers');
const LOCK = path.join(ROOT, '.cache', 'venv.lock');
/** pip over the network can take minutes; a lock older than this belongs to a dead builder. */
const STALE_LOCK_MS = 15 * 60 * 1000;

/** An optional requirements set, `test/helpers/requirements-<name>.txt`. */
export type RequirementSet = 'compat' | 'spark';

const requirementsFile = (set?: RequirementSet): string =>
  path.join(HELPERS, set ? `requirements-${set}.txt` : 'requirements.txt');
const stampFile = (set?: RequirementSet): string =>
  path.join(VENV, set ? `.tributary-requirements-${set}` : '.tributary-requirements');

const pending = new Map<string, Promise<{ python: string }>>();

/**
 * Creates (once per requirements version) and returns the project venv's interpreter, with the base
 * requirements and the optional `sets` installed.
 */
export function ensureVenv(sets: readonly RequirementSet[] = []): Promise<{ python: string }> {
  const key = [...new Set(sets)].sort().join(',');
  let promise = pending.get(key);
  if (!promise) {
    promise = build([...new Set(sets)].sort()).catch((e: unknown) => {
      pending.delete(key);
      throw e;
    });
    pending.set(key, promise);
  }
  return promise;
}

async function build(sets: readonly RequirementSet[]): Promise<{ python: string }> {
  const python = path.join(VENV, 'bin', 'python');
  const wanted = new Map<RequirementSet | undefined, string>();
  for (const set of [undefined, ...sets]) wanted.set(set, await fileHash(requirementsFile(set)));
  const missing = async (): Promise<(RequirementSet | undefined)[]> => {
    const out: (RequirementSet | undefined)[] = [];
    for (const [set, hash] of wanted) if ((await readStamp(stampFile(set))) !== hash) out.push(set);
    return out;
  };
  if ((await missing()).length === 0) return { python };
  const release = await acquireLock();
  try {
    const todo = await missing();
    if (todo.length === 0) return { python };
    if (todo.includes(undefined)) {
      await fs.rm(VENV, { recursive: true, force: true });
      await run(systemPython(), ['-m', 'venv', VENV]);
    }
    // One pip run over every set the venv should hold, so the resolver sees all pins together.
    const installed: RequirementSet[] = [];
    for (const set of ['compat', 'spark'] as const) {
      if (wanted.has(set) || (await readStamp(stampFile(set))) !== undefined) installed.push(set);
    }
    const files = [requirementsFile(), ...installed.map(requirementsFile)];
    await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...files.flatMap((f) => ['-r', f])], {
      maxBuffer: 16 * 1024 * 1024,
    });
    for (const set of [undefined, ...installed]) await fs.writeFile(stampFile(set), await fileHash(requirementsFile(set)));
    return { python };
  } finally {
    await release();
  }
}

async function fileHash(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

function systemPython(): string {
  return process.platform === 'win32' ? 'python' : 'python3';
}

async function readStamp(stamp: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(stamp, 'utf8')).trim();
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
