import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataType, TimeUnit } from 'apache-arrow';
import { toArrowSchema } from '../../../src/delta/arrow-schema.js';
import { decodeIpc, encodeIpc, toArrowRecordBatch } from '../../../src/ingest/arrow-batch.js';
import { compileJsonDecoder } from '../../../src/ingest/json-decoder.js';
import { RowBatch } from '../../../src/ingest/row-batch.js';
import { TributaryError } from '../../../src/errors.js';
import { columns, rowsOf } from './helpers.js';

const COLS = columns([
  ['ts', 'timestamp'],
  ['tsn', 'timestamp_ntz'],
  ['amount', 'decimal(38,2)'],
  ['tags', 'map<string,array<int>>'],
]);

function batchOf(records: object[]): RowBatch {
  const decoder = compileJsonDecoder(COLS);
  const batch = new RowBatch(COLS);
  records.forEach((r, i) => decoder.decode(JSON.stringify(r), batch, BigInt(i)));
  return batch;
}

describe('Arrow batches and IPC', () => {
  it('writes each batch as a self-contained IPC stream carrying the table schema', () => {
    const schema = toArrowSchema(COLS);
    const first = encodeIpc(toArrowRecordBatch(batchOf([{ ts: 1, amount: '1.50' }]), schema));
    const second = encodeIpc(toArrowRecordBatch(batchOf([{ ts: 2 }, { tsn: 3, tags: { a: [1] } }]), schema));
    // The second frame is read without the first: it starts with its own schema message.
    const [b2] = decodeIpc(second);
    assert.ok(b2);
    const ts = b2.schema.fields[0]!.type;
    assert.ok(DataType.isTimestamp(ts));
    assert.equal(ts.unit, TimeUnit.MICROSECOND);
    assert.equal(ts.timezone, 'UTC');
    const tsn = b2.schema.fields[1]!.type;
    assert.ok(DataType.isTimestamp(tsn) && !tsn.timezone);
    const amount = b2.schema.fields[2]!.type;
    assert.ok(DataType.isDecimal(amount));
    assert.deepEqual([amount.precision, amount.scale, amount.bitWidth], [38, 2, 128]);
    assert.deepEqual(rowsOf(b2, schema), [
      { ts: 2n, tsn: null, amount: null, tags: null },
      { ts: null, tsn: 3n, amount: null, tags: [['a', [1]]] },
    ]);
    assert.deepEqual(rowsOf(decodeIpc(first)[0]!, schema), [{ ts: 1n, tsn: null, amount: '1.50', tags: null }]);
  });

  it('encodes an empty batch', () => {
    const schema = toArrowSchema(COLS);
    const [empty] = decodeIpc(encodeIpc(toArrowRecordBatch(new RowBatch(COLS), schema)));
    assert.equal(empty?.numRows, 0);
  });

  it('copies the rows: the batch can keep growing or be cleared afterwards', () => {
    const schema = toArrowSchema(COLS);
    const batch = batchOf([{ ts: 10, tags: { k: [1, 2] } }]);
    const arrow = toArrowRecordBatch(batch, schema);
    batch.clear();
    compileJsonDecoder(COLS).decode('{"ts":99,"tags":{"z":[9,9,9]}}', batch, 0n);
    assert.deepEqual(rowsOf(arrow, schema), [{ ts: 10n, tsn: null, amount: null, tags: [['k', [1, 2]]] }]);
  });

  it('refuses a schema that does not match the batch', () => {
    const batch = batchOf([{}]);
    assert.throws(() => toArrowRecordBatch(batch, toArrowSchema(columns([['ts', 'timestamp']]))), TributaryError);
    assert.throws(() => toArrowRecordBatch(batch, toArrowSchema(columns([['ts', 'string'], ['tsn', 'timestamp_ntz'], ['amount', 'decimal(38,2)'], ['tags', 'map<string,array<int>>']]))), TributaryError);
  });
});
