/**
 * The WALs of all tables: one {@link TableWal} per table id under `<dataDir>/wal/<tableId>/`, opened on first
 * use. Table ids are the catalog's UUIDs; nothing else ever becomes part of a path.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { TributaryError } from '../errors.js';
import { dataPaths, type WalSettings } from '../server/config.js';
import { isCanonicalUuid } from './segment-format.js';
import { TableWal, type TableWalOptions } from './table-wal.js';

export class WalManager {
  private readonly open = new Map<string, Promise<TableWal>>();
  private closed = false;

  constructor(
    /** The directory holding one sub-directory per table. */
    readonly root: string,
    private readonly settings: WalSettings,
    private readonly options: TableWalOptions = {},
  ) {}

  /** The manager for a server's data directory (`dataPaths(dataDir).wal`). */
  static forDataDir(dataDir: string, settings: WalSettings, options: TableWalOptions = {}): WalManager {
    return new WalManager(dataPaths(dataDir).wal, settings, options);
  }

  /**
   * The WAL of table `tableId`, opened (and recovered) on first use; concurrent callers share one open. A failed
   * open is not remembered, so a later call tries again.
   */
  get(tableId: string): Promise<TableWal> {
    if (this.closed) return Promise.reject(new TributaryError('unavailable', 'the server is shutting down'));
    let id: string;
    try {
      id = canonicalTableId(tableId);
    } catch (error) {
      return Promise.reject(error);
    }
    let wal = this.open.get(id);
    if (!wal) {
      wal = TableWal.open(path.join(this.root, id), this.settings, this.options);
      this.open.set(id, wal);
      wal.catch(() => this.open.delete(id));
    }
    return wal;
  }

  /** Ids of the tables that have a WAL directory, open or not (for replay at startup). */
  async tableIds(): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(this.root, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return entries.filter((e) => e.isDirectory() && isCanonicalUuid(e.name)).map((e) => e.name).sort();
  }

  /** Closes and deletes a table's WAL (the table was dropped): its frames will never be materialized. */
  async remove(tableId: string): Promise<void> {
    const id = canonicalTableId(tableId);
    const wal = this.open.get(id);
    this.open.delete(id);
    await wal?.then((w) => w.close(), () => undefined);
    await rm(path.join(this.root, id), { recursive: true, force: true });
  }

  /** Waits for queued appends and closes every open WAL; later `get` calls are refused. */
  async closeAll(): Promise<void> {
    this.closed = true;
    const wals = [...this.open.values()];
    this.open.clear();
    // A WAL that failed to open has nothing to close; its error went to whoever asked for it.
    const results = await Promise.allSettled(wals.map((wal) => wal.then((w) => w.close(), () => undefined)));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }
}

function canonicalTableId(tableId: string): string {
  const id = tableId.toLowerCase();
  if (!isCanonicalUuid(id)) {
    throw new TributaryError('invalid_argument', `not a table id: ${JSON.stringify(tableId.slice(0, 64))}`);
  }
  return id;
}
