/**
 * The catalog's storage hook: creating a table writes Delta version 0 at its storage location, dropping it
 * deletes the table's files (managed tables own their data).
 */
import type { TableStorage } from '../catalog/catalog.js';
import type { TableInfo } from '../catalog/model.js';
import { TributaryError } from '../errors.js';
import { commitKey, decodeCommit, encodeCommit } from './actions.js';
import { objectStoreFor, type ObjectStore } from './object-store.js';
import { createTableActions } from './table-create.js';

export class DeltaTableStorage implements TableStorage {
  private readonly storeFor: (location: string) => ObjectStore;
  private readonly now: () => number;

  constructor(opts: { storeFor?: (location: string) => ObjectStore; now?: () => number } = {}) {
    this.storeFor = opts.storeFor ?? objectStoreFor;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Writes version 0. Idempotent for the same table (a retried create finds its own version 0); a different
   * table's log at the location is refused rather than adopted.
   */
  async create(table: TableInfo): Promise<void> {
    const store = this.storeFor(table.storageLocation);
    const bytes = encodeCommit(createTableActions(table, this.now()));
    if (await store.putIfAbsent(commitKey(0), bytes)) return;
    const existing = await store.get(commitKey(0));
    const metadata = existing && decodeCommit(existing, 0).find((a) => 'metaData' in a);
    if (metadata && 'metaData' in metadata && metadata.metaData.id === table.tableId) return;
    throw new TributaryError(
      'already_exists',
      `a different Delta table already exists at the storage location of ${table.fullName}`,
      { table: table.fullName },
      'TABLE_ALREADY_EXISTS',
    );
  }

  async drop(table: TableInfo): Promise<void> {
    await this.storeFor(table.storageLocation).deleteAll();
  }
}
