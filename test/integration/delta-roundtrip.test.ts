/**
 * Every column type, nested types and nulls, written through the Materializer from WAL payloads (Arrow IPC)
 * and read back by delta-rs row for row with the expected types: across a checkpoint, after compaction, and
 * from the checkpoint alone once the commits before it are gone.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ipcFromRows } from '../../src/delta/arrow-rows.js';
import { commitKey } from '../../src/delta/actions.js';
import { compactTable } from '../../src/delta/compaction.js';
import { DeltaLog } from '../../src/delta/delta-log.js';
import { Materializer } from '../../src/delta/materializer.js';
import { LocalObjectStore } from '../../src/delta/object-store.js';
import { ParquetWorkerPool } from '../../src/delta/parquet-pool.js';
import { DeltaTableStorage } from '../../src/delta/table-storage.js';
import { TableWal } from '../../src/wal/table-wal.js';
import { runPythonJson } from '../helpers/python.js';
import { ALL_TYPES, READ_DELTA_PY, allTypesRows, expectedFromReader, type DeltaRsView } from '../unit/delta/all-types.js';
import { tableInfo } from '../unit/delta/fixtures.js';

const PARQUET_SCHEMA_PY = `
import json, sys
import pyarrow.parquet as pq
f = pq.ParquetFile(sys.argv[1])
col = f.metadata.row_group(0).column
print(json.dumps({'schema': str(f.schema), 'compression': col(0).compression, 'stats': col(0).is_stats_set}))
`;

describe('Delta round trip through delta-rs', { timeout: 600_000 }, () => {
  let dir: string;
  let pool: ParquetWorkerPool;
  const table = () => tableInfo(ALL_TYPES, { storageLocation: pathToFileURL(path.join(dir, 'table')).href });
  const tablePath = () => path.join(dir, 'table');
  const rows = allTypesRows(0, 240);
  const expected = rows.map(expectedFromReader);

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-roundtrip-'));
    pool = new ParquetWorkerPool({ size: 1 });
    await new DeltaTableStorage().create(table());
    const wal = await TableWal.open(path.join(dir, 'wal'), {
      groupCommitMs: 0,
      groupCommitBytes: 1 << 20,
      segmentBytes: 1 << 16,
      fsync: false,
    });
    const materializer = new Materializer({
      table: table(),
      wal,
      pool,
      settings: { flushIntervalMs: 3_600_000, flushBytes: 1 << 30, checkpointInterval: 3, compactMinFiles: 1000 },
    });
    await materializer.start();
    const fields = table().columns;
    for (let batch = 0; batch < 8; batch++) {
      const ipc = ipcFromRows(fields, rows.slice(batch * 30, batch * 30 + 30));
      const seq = await wal.append(ipc, 30);
      materializer.offer(seq, ipc, 30, ipc.byteLength);
      if (batch % 2 === 1) await materializer.flush();
    }
    await materializer.close();
    assert.equal(materializer.metrics.commits, 4);
    assert.equal(materializer.metrics.rowsMaterialized, 240);
    assert.equal(materializer.committedPosition, 8);
    await wal.close();
  });

  after(async () => {
    await pool.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads every row and type back, across the checkpoint at version 3', async () => {
    const view = await runPythonJson<DeltaRsView>(READ_DELTA_PY, [tablePath()]);
    assert.equal(view.version, 4);
    assert.equal(view.files, 4);
    assert.deepEqual(view.history.slice(0, 2), ['STREAMING UPDATE', 'STREAMING UPDATE']);
    assert.equal(view.history.at(-1), 'CREATE TABLE');
    assert.deepEqual(view.rows, expected);
    assert.equal(view.schema.ts, 'timestamp[us, tz=UTC]');
    assert.equal(view.schema.ntz, 'timestamp[us]');
    assert.equal(view.schema.dec, 'decimal128(10, 2)');
    assert.equal(view.schema.wide, 'decimal128(38, 6)');
    assert.equal(view.schema.i8, 'int8');
    assert.equal(view.schema.i16, 'int16');
    assert.equal(view.schema.dt, 'date32[day]');
    assert.match(view.schema.m!, /^map<string(_view)?, double/);
    assert.match(view.schema.st!, /struct<a: int32, b: struct<c: string(_view)?, t: timestamp\[us, tz=UTC\]>>/);
  });

  it('writes Parquet with Delta\'s physical and logical types, in Snappy, bounded by Delta statistics alone', async () => {
    const file = (await fs.readdir(tablePath())).find((n) => n.endsWith('.snappy.parquet'))!;
    const info = await runPythonJson<{ schema: string; compression: string; stats: boolean }>(PARQUET_SCHEMA_PY, [
      path.join(tablePath(), file),
    ]);
    assert.equal(info.compression, 'SNAPPY');
    assert.equal(info.stats, false, 'a flush file is one row group: its Delta statistics bound it');
    const lines = info.schema.split('\n').map((l) => l.trim());
    const line = (name: string) => lines.find((l) => new RegExp(`\\b${name}\\b`).test(l)) ?? '';
    assert.match(line('id'), /^required int64/);
    assert.match(line('i8'), /int32 .*Int\(bitWidth=8, isSigned=true\)/);
    assert.match(line('i16'), /int32 .*Int\(bitWidth=16, isSigned=true\)/);
    assert.match(line('dec'), /int64 .*Decimal\(precision=10, scale=2\)/);
    assert.match(line('wide'), /fixed_len_byte_array\(16\) .*Decimal\(precision=38, scale=6\)/);
    assert.match(line('dt'), /int32 .*Date/);
    assert.match(line('ts'), /int64 .*Timestamp\(isAdjustedToUTC=true, timeUnit=microseconds/);
    assert.match(line('ntz'), /int64 .*Timestamp\(isAdjustedToUTC=false, timeUnit=microseconds/);
    assert.match(info.schema, /optional group field_id=-1 arr \(List\) \{\s*repeated group field_id=-1 list \{\s*optional binary field_id=-1 element \(String\)/);
    assert.match(info.schema, /optional group field_id=-1 m \(Map\) \{\s*repeated group field_id=-1 key_value \{\s*required binary field_id=-1 key \(String\);\s*optional double field_id=-1 value/);
  });

  it('keeps every row after compaction, with the OPTIMIZE commit in the history', async () => {
    const log = await DeltaLog.open(new LocalObjectStore(tablePath()), { pool });
    const result = await compactTable(log, pool, { minFiles: 2 });
    assert.equal(result?.filesRemoved, 4);
    assert.match(result.fileAdded, /\.zstd\.parquet$/);
    const compacted = await runPythonJson<{ compression: string; stats: boolean }>(PARQUET_SCHEMA_PY, [path.join(tablePath(), result.fileAdded)]);
    assert.equal(compacted.compression, 'ZSTD', 'compaction writes the files that stay in ZSTD');
    assert.equal(compacted.stats, true, 'with column statistics for each row group');
    await log.idle();
    const view = await runPythonJson<DeltaRsView>(READ_DELTA_PY, [tablePath()]);
    assert.equal(view.version, 5);
    assert.equal(view.files, 1);
    assert.equal(view.history[0], 'OPTIMIZE');
    assert.deepEqual(view.rows, expected);
  });

  it('reads the table from the checkpoint once the commits before it are deleted', async () => {
    for (let v = 0; v < 3; v++) await fs.rm(path.join(tablePath(), commitKey(v)));
    const view = await runPythonJson<DeltaRsView>(READ_DELTA_PY, [tablePath()]);
    assert.equal(view.version, 5);
    assert.deepEqual(view.rows, expected);
  });
});
