/**
 * The write path of one table: validated batches become Arrow IPC frames in the table's WAL, and once a
 * frame is durable it is handed to the Delta materializer, in WAL order.
 */
import type { Schema } from 'apache-arrow';
import type { TableInfo } from '../catalog/model.js';
import type { Materializer } from '../delta/materializer.js';
import { toArrowSchema } from '../delta/arrow-schema.js';
import { nextPosition, type WalPosition } from '../wal/position.js';
import type { TableWal } from '../wal/table-wal.js';
import { encodeRowBatchIpc, type SharedAllocator } from './arrow-batch.js';
import { RowBatch } from './row-batch.js';
import { TributaryError } from '../errors.js';

export class TableWriter {
  private readonly schema: Schema;
  /** Durable frames not yet handed over because an earlier one is still being fsync'd. */
  private readonly outOfOrder = new Map<WalPosition, { ipc: Uint8Array; rows: number }>();
  private nextToOffer: WalPosition;

  constructor(
    readonly table: TableInfo,
    private readonly wal: TableWal,
    readonly materializer: Materializer,
    /** Where payloads are encoded; the materializer hands them back to the same pool once committed. */
    private readonly allocate?: SharedAllocator,
  ) {
    this.schema = toArrowSchema(table.columns);
    this.nextToOffer = nextPosition(wal.lastDurable);
  }

  /** A fresh batch for this table's columns. */
  newBatch(): RowBatch {
    return new RowBatch(this.table.columns);
  }

  /**
   * Appends a batch; resolves once it is durable (written and fdatasync'd). When the materializer has fallen
   * behind by more than its backlog limit, waits until it is back under it: the streams then stop reading
   * (HTTP/2 flow control) instead of the server buffering without bound.
   */
  async append(batch: RowBatch): Promise<WalPosition> {
    if (this.materializer.tableDropped) {
      throw new TributaryError('not_found', `table ${this.table.fullName} was dropped`, { table: this.table.fullName }, 'TABLE_DOES_NOT_EXIST');
    }
    const limit = this.materializer.backlogLimitBytes;
    if (this.materializer.bufferedBytes >= limit) await this.materializer.bufferedBelow(limit);
    const rows = batch.rowCount;
    const ipc = encodeRowBatchIpc(batch, this.schema, this.allocate);
    const position = await this.wal.append(ipc, rows);
    this.offerInOrder(position, ipc, rows);
    return position;
  }

  /**
   * Group commit may resolve appends of one group in any order relative to our continuations; the
   * materializer must see frames in WAL order or a txn version could cover a frame it has not seen.
   */
  private offerInOrder(position: WalPosition, ipc: Uint8Array, rows: number): void {
    this.outOfOrder.set(position, { ipc, rows });
    for (;;) {
      const next = this.outOfOrder.get(this.nextToOffer);
      if (!next) return;
      this.outOfOrder.delete(this.nextToOffer);
      this.materializer.offer(this.nextToOffer, next.ipc, next.rows, next.ipc.byteLength);
      this.nextToOffer = nextPosition(this.nextToOffer);
    }
  }
}
