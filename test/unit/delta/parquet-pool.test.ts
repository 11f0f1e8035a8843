import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseTypeText, type StructField } from '../../../src/catalog/types.js';
import { ipcFromRows } from '../../../src/delta/arrow-rows.js';
import { readParquetBatches } from '../../../src/delta/parquet-file.js';
import { ParquetWorkerPool } from '../../../src/delta/parquet-pool.js';

const FIELDS: StructField[] = [
  { name: 'id', type: parseTypeText('bigint'), nullable: true },
  { name: 'name', type: parseTypeText('string'), nullable: true },
];
const payload = (from: number, count: number): Uint8Array =>
  ipcFromRows(FIELDS, Array.from({ length: count }, (_, k) => ({ id: BigInt(from + k), name: `n${from + k}` })));
const ids = (bytes: Uint8Array): number[] => readParquetBatches(bytes).flatMap((b) => [...b.getChild('id')!].map(Number));

describe('Parquet worker pool', () => {
  const pool = new ParquetWorkerPool({ size: 1 });
  after(() => pool.close());

  it('runs the tasks queued behind a compaction once its worker is retired and replaced', async () => {
    const [a, b] = await Promise.all([pool.encodeFile(FIELDS, [payload(0, 3)], 'snappy'), pool.encodeFile(FIELDS, [payload(3, 2)], 'snappy')]);
    // Both queued at once: the second waits for the compaction's worker to exit, then gets a new one.
    const [compacted, next] = await Promise.all([
      pool.compactFiles(FIELDS, [a.bytes, b.bytes]),
      pool.encodeFile(FIELDS, [payload(5, 4)], 'zstd'),
    ]);
    assert.deepEqual(ids(compacted.bytes), [0, 1, 2, 3, 4]);
    assert.deepEqual(ids(next.bytes), [5, 6, 7, 8]);
    assert.equal(next.numRecords, 4);
  });
});
