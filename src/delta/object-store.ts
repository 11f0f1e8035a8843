/**
 * The storage seam under a Delta table: just what the commit protocol needs (get, put, put-if-absent, list,
 * delete), so that an S3-compatible store (conditional PUT `If-None-Match: *`) can replace the local one.
 * Keys are `/`-separated paths relative to the table root.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TributaryError } from '../errors.js';

/** One listed object. */
export interface ObjectInfo {
  /** Key relative to the store root. */
  readonly key: string;
  readonly size: number;
  /** Last modification, ms since the epoch. */
  readonly modified: number;
}

export interface ObjectStore {
  /** The object's bytes, or undefined when it does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Writes an object durably, replacing any previous one (data files and checkpoints: unique or idempotent). */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Atomically creates an object; false when the key is already taken (a lost commit race). Never overwrites. */
  putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean>;
  /**
   * Objects directly under a folder (`prefix` ends with `/`, or '' for the root), in key order; with `after`,
   * only keys greater than it (S3's start-after), so readers of long logs skip what a checkpoint covers.
   */
  list(prefix: string, opts?: { after?: string }): Promise<ObjectInfo[]>;
  /** Deletes an object; deleting a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every object under the root (DROP TABLE). */
  deleteAll(): Promise<void>;
  /** A location DuckDB can read the object from (a local path, or a URL). */
  readableLocation(key: string): string;
}

/** Opens the store of a table location; only `file://` URLs are supported for now. */
export function objectStoreFor(location: string): ObjectStore {
  if (location.startsWith('file:')) return new LocalObjectStore(fileURLToPath(location));
  throw new TributaryError('invalid_argument', `unsupported table storage location ${location}`);
}

/**
 * A directory on local disk. Writes go to a temp file that is fsynced and then moved into place, so readers
 * never see a partial object; put-if-absent uses `link()`, which fails with EEXIST when the name is taken.
 */
export class LocalObjectStore implements ObjectStore {
  constructor(readonly root: string) {}

  private file(key: string): string {
    const resolved = path.resolve(this.root, key);
    if (resolved !== this.root && !resolved.startsWith(this.root + path.sep)) {
      throw new TributaryError('invalid_argument', `object key ${JSON.stringify(key)} escapes the table directory`);
    }
    return resolved;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return await fs.readFile(this.file(key));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const target = this.file(key);
    const temp = await this.writeTemp(target, bytes);
    try {
      await fs.rename(temp, target);
    } catch (e) {
      await fs.rm(temp, { force: true });
      throw e;
    }
    await syncDir(path.dirname(target));
  }

  async putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    const target = this.file(key);
    const temp = await this.writeTemp(target, bytes);
    try {
      await fs.link(temp, target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    } finally {
      await fs.rm(temp, { force: true });
    }
    await syncDir(path.dirname(target));
    return true;
  }

  async list(prefix: string, opts: { after?: string } = {}): Promise<ObjectInfo[]> {
    const dir = this.file(prefix);
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch (e) {
      if (isNotFound(e)) return [];
      throw e;
    }
    names.sort();
    const out: ObjectInfo[] = [];
    for (const name of names) {
      if (name.startsWith('.tmp-')) continue;
      if (opts.after !== undefined && prefix + name <= opts.after) continue;
      try {
        const st = await fs.stat(path.join(dir, name));
        if (st.isFile()) out.push({ key: prefix + name, size: st.size, modified: st.mtimeMs });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    return out;
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }

  async deleteAll(): Promise<void> {
    await fs.rm(this.root, { recursive: true, force: true });
  }

  readableLocation(key: string): string {
    return this.file(key);
  }

  private async writeTemp(target: string, bytes: Uint8Array): Promise<string> {
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = path.join(path.dirname(target), `.tmp-${randomUUID()}`);
    const handle = await fs.open(temp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.datasync();
    } catch (e) {
      await handle.close();
      await fs.rm(temp, { force: true });
      throw e;
    }
    await handle.close();
    return temp;
  }
}

function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Makes a new directory entry durable: without it a crash can forget a file whose data was synced. */
async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
