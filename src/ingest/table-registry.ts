/**
 * One writer per table, opened on first use: its WAL is recovered and everything durable but not yet in
 * the Delta table is replayed by the materializer before any new record is accepted.
 */
import type { Logger } from 'pino';
import type { CatalogStore, TableInfo } from '../catalog/model.js';
import { Materializer } from '../delta/materializer.js';
import type { ParquetWorkerPool } from '../delta/parquet-pool.js';
import type { MaterializerSettings } from '../server/config.js';
import type { WalManager } from '../wal/wal-manager.js';
import { TableWriter } from './table-writer.js';

export interface TableRegistryDeps {
  readonly store: CatalogStore;
  readonly wals: WalManager;
  readonly pool: ParquetWorkerPool;
  readonly settings: MaterializerSettings;
  readonly logger: Logger;
}

export class TableRegistry {
  /** Keyed by table id; a promise so concurrent first streams share one opening. */
  private readonly writers = new Map<string, Promise<TableWriter>>();

  constructor(private readonly deps: TableRegistryDeps) {}

  /** The table's writer, opening its WAL and replaying it into Delta on first use. */
  writerFor(table: TableInfo): Promise<TableWriter> {
    let writer = this.writers.get(table.tableId);
    if (!writer) {
      writer = this.open(table);
      this.writers.set(table.tableId, writer);
      // A failed opening must not poison the table forever: the next stream tries again.
      writer.catch(() => this.writers.delete(table.tableId));
    }
    return writer;
  }

  /**
   * Replays every table that has a WAL, so that data acked before a crash reaches Delta even if no
   * producer comes back.
   */
  async recover(tables: readonly TableInfo[]): Promise<void> {
    const withWal = new Set(await this.deps.wals.tableIds());
    await Promise.all(tables.filter((t) => withWal.has(t.tableId)).map((t) => this.writerFor(t)));
  }

  /** Commits everything buffered and closes every WAL. */
  async closeAll(): Promise<void> {
    const writers = await Promise.allSettled(this.writers.values());
    this.writers.clear();
    for (const w of writers) {
      if (w.status === 'fulfilled') await w.value.materializer.close();
    }
    await this.deps.wals.closeAll();
  }

  private async open(table: TableInfo): Promise<TableWriter> {
    const { store, wals, pool, settings, logger } = this.deps;
    const wal = await wals.get(table.tableId);
    const materializer = new Materializer({
      table,
      wal,
      settings,
      pool,
      logger: logger.child({ table: table.fullName }),
      isCurrent: async () => (await store.getTable(tableNameOf(table)))?.tableId === table.tableId,
    });
    await materializer.start();
    return new TableWriter(table, wal, materializer);
  }
}

function tableNameOf(table: TableInfo) {
  return { catalog: table.catalogName, schema: table.schemaName, table: table.name };
}
