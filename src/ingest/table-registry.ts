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
import { PayloadBuffers } from './payload-buffers.js';
import { TableWriter } from './table-writer.js';

export interface TableRegistryDeps {
  readonly store: CatalogStore;
  readonly wals: WalManager;
  readonly pool: ParquetWorkerPool;
  readonly settings: MaterializerSettings;
  readonly logger: Logger;
}

/**
 * Payload memory kept for reuse across commits. A commit hands back up to a flush (128 MiB by default) at
 * once while the memory in use shrinks by as much, so what is kept never raises the peak; and buffers
 * reused are buffers not waiting for the GC. Measured on the bench: the same throughput, and a peak RSS
 * 50–110 MiB lower.
 */
const KEPT_PAYLOAD_BYTES = 64 * 1024 * 1024;

export class TableRegistry {
  /** Keyed by table id; a promise so concurrent first streams share one opening. */
  private readonly writers = new Map<string, Promise<TableWriter>>();
  /** Shared by every table: what one table's commit hands back, any table's next batch may use. */
  private readonly payloads = new PayloadBuffers(KEPT_PAYLOAD_BYTES);

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
      releasePayload: (payload) => this.payloads.give(payload),
    });
    await materializer.start();
    return new TableWriter(table, wal, materializer, (length) => this.payloads.take(length));
  }
}

function tableNameOf(table: TableInfo) {
  return { catalog: table.catalogName, schema: table.schemaName, table: table.name };
}
