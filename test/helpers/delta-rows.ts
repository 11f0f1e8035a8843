/**
 * Reads a Delta table's current rows the way a reader does: the snapshot's live files, each Parquet file
 * decoded. Values come back as Arrow gives them (BIGINT as bigint).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TableInfo } from '../../src/catalog/model.js';
import { dataKey } from '../../src/delta/actions.js';
import { readParquetBatches } from '../../src/delta/parquet-file.js';
import { loadSnapshot } from '../../src/delta/snapshot.js';

export type Row = Record<string, unknown>;

/** Every row of the table at its latest version. */
export async function deltaRows(table: Pick<TableInfo, 'storageLocation'>): Promise<Row[]> {
  const root = fileURLToPath(table.storageLocation);
  const snapshot = await loadSnapshot(table.storageLocation);
  const rows: Row[] = [];
  for (const file of snapshot.files) {
    const bytes = await readFile(path.join(root, dataKey(file.path)));
    for (const batch of readParquetBatches(bytes)) {
      for (const row of batch) rows.push({ ...(row as { toJSON(): Row }).toJSON() });
    }
  }
  return rows;
}
