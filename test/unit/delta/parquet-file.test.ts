import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordBatch, RecordBatchStreamWriter, Schema } from 'apache-arrow';
import { toArrowSchema } from '../../../src/delta/arrow-schema.js';
import { decodeIpcStreams, readParquetBatches, writeDataFile, writeDataFileFromIpc } from '../../../src/delta/parquet-file.js';
import { decodeIpc, encodeRowBatchIpc } from '../../../src/ingest/arrow-batch.js';
import { compileJsonDecoder } from '../../../src/ingest/json-decoder.js';
import { RowBatch } from '../../../src/ingest/row-batch.js';
import { columns } from '../ingest/helpers.js';

const COLS = columns([
  ['name', 'string'],
  ['n', 'int'],
  ['big', 'bigint'],
  ['ts', 'timestamp'],
  ['amount', 'decimal(10,2)'],
  ['tags', 'array<string>'],
  ['attrs', 'map<string,int>'],
  ['point', 'struct<x:double,y:double>'],
]);

function payload(first: number, rows: number): Uint8Array {
  const decoder = compileJsonDecoder(COLS);
  const batch = new RowBatch(COLS);
  for (let i = first; i < first + rows; i++) {
    const record = i % 5 === 4
      ? { name: null, n: i }
      : { name: `row-${i}`, n: i, big: i * 1e9, ts: i * 1_000_001, amount: `${i}.25`, tags: ['a', `t${i}`], attrs: { k: i }, point: { x: i, y: -i } };
    decoder.decode(JSON.stringify(record), batch, BigInt(i));
  }
  return encodeRowBatchIpc(batch, toArrowSchema(COLS));
}

/** Every row of a Parquet file as JSON text (bigints as strings), to compare two files' contents. */
function rowsOfFile(bytes: Uint8Array): string[] {
  return readParquetBatches(bytes).flatMap((batch) =>
    batch.toArray().map((row) => JSON.stringify(row, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))),
  );
}

describe('writeDataFileFromIpc', () => {
  it('writes WAL payloads as they are: the same rows and statistics as re-encoding them', () => {
    const payloads = [payload(0, 7), payload(7, 1), payload(8, 300)];
    assert.ok(payloads.every((p) => p.buffer instanceof SharedArrayBuffer), 'ingest payloads live in shared memory');
    const direct = writeDataFileFromIpc(COLS, payloads, 'snappy');
    const reencoded = writeDataFile(COLS, decodeIpcStreams(payloads), 'snappy', false);
    assert.equal(direct.numRecords, 308);
    assert.equal(direct.stats, reencoded.stats);
    const rows = rowsOfFile(direct.bytes);
    assert.equal(rows.length, 308);
    assert.deepEqual(rows, rowsOfFile(reencoded.bytes));
    // apache-arrow shows a decimal unscaled: 8.25 at scale 2 is 825.
    assert.match(rows[8]!, /^\{"name":"row-8","n":8,"big":"8000000000","ts":8000\.008,"amount":"\\"825\\""/);
    assert.match(rows[4]!, /"name":null/);
  });

  it('conforms payloads whose schema message differs from the others', () => {
    const ours = payload(0, 3);
    const [batch] = decodeIpc(payload(3, 2));
    // The same fields under a schema that carries metadata: another schema message, the same columns.
    const writer = new RecordBatchStreamWriter();
    writer.write(new RecordBatch(new Schema(batch!.schema.fields, new Map([['origin', 'elsewhere']])), batch!.data));
    writer.finish();
    const foreign = writer.toUint8Array(true);
    const file = writeDataFileFromIpc(COLS, [ours, foreign], 'zstd');
    assert.equal(file.numRecords, 5);
    assert.deepEqual(rowsOfFile(file.bytes), rowsOfFile(writeDataFile(COLS, decodeIpcStreams([ours, foreign]), 'zstd', false).bytes));
  });

  it('refuses payloads whose columns are not the table\'s', () => {
    const other = columns([['name', 'string'], ['n', 'bigint']]);
    const batch = new RowBatch(other);
    compileJsonDecoder(other).decode('{"name":"x","n":1}', batch, 0n);
    assert.throws(() => writeDataFileFromIpc(COLS, [encodeRowBatchIpc(batch, toArrowSchema(other))], 'snappy'), /does not match the table schema/);
  });
});
