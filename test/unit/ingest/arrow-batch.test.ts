import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataType, TimeUnit } from 'apache-arrow';
import * as parquet from 'parquet-wasm/node';
import { toArrowSchema } from '../../../src/delta/arrow-schema.js';
import { decodeIpc, encodeIpc, toArrowRecordBatch } from '../../../src/ingest/arrow-batch.js';
import { compileJsonDecoder } from '../../../src/ingest/json-decoder.js';
import { RowBatch } from '../../../src/ingest/row-batch.js';
import { TributaryError } from '../../../src/errors.js';
import { columns, roundTrip, rowsOf } from './helpers.js';

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

  it('writes IPC that arrow-rs accepts and turns into Parquet with the same values', () => {
    // arrow-rs validates what it reads (offsets, null masks under null structs, decimal width), so this
    // is the check that the hand-built Arrow data is well formed for the Parquet writer.
    const cols = columns([
      ['s', 'string'],
      ['b', 'boolean'],
      ['i64', 'bigint'],
      ['dec', 'decimal(38,10)'],
      ['day', 'date'],
      ['ts', 'timestamp'],
      ['tsn', 'timestamp_ntz'],
      ['bin', 'binary'],
      ['attrs', 'map<int,string>'],
      ['loc', 'struct<lat:double not null,lon:double>'],
      ['deep', 'map<string,array<struct<x:bigint,tags:array<string>>>>'],
      ['id', 'bigint', false],
    ]);
    const decoder = compileJsonDecoder(cols);
    const batch = new RowBatch(cols);
    const full = {
      s: 'é',
      b: true,
      i64: '-9223372036854775808',
      dec: '-1234567890123456789012345678.0123456789',
      day: -1,
      ts: 1735689600123456,
      tsn: 5,
      bin: 'AAE=',
      attrs: { '1': 'a', '2': null },
      loc: { lat: 1 },
      deep: { k: [{ x: 1, tags: ['t', null] }, null], e: [] },
      id: 1,
    };
    decoder.decode(JSON.stringify(full), batch, 0n);
    decoder.decode('{"id":2,"loc":null}', batch, 1n);
    const ipc = encodeIpc(toArrowRecordBatch(batch, toArrowSchema(cols)));
    const file = parquet.writeParquet(parquet.Table.fromIPCStream(ipc));
    const [back] = decodeIpc(parquet.readParquet(file).intoIPCStream());
    assert.ok(back);
    assert.deepEqual(rowsOf(back, back.schema), roundTrip(batch));
  });

  it('refuses a schema that does not match the batch', () => {
    const batch = batchOf([{}]);
    assert.throws(() => toArrowRecordBatch(batch, toArrowSchema(columns([['ts', 'timestamp']]))), TributaryError);
    assert.throws(() => toArrowRecordBatch(batch, toArrowSchema(columns([['ts', 'string'], ['tsn', 'timestamp_ntz'], ['amount', 'decimal(38,2)'], ['tags', 'map<string,array<int>>']]))), TributaryError);
  });
});
