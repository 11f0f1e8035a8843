/**
 * Arrow batches → one Parquet data file (arrow-rs in WebAssembly: Snappy or ZSTD, logical types from the
 * Arrow schema) with its Delta statistics. CPU-heavy: called inside the Parquet worker threads.
 */
import {
  RecordBatch,
  RecordBatchReader,
  Struct,
  Table,
  makeData,
  tableFromIPC,
  tableToIPC,
  type Schema,
} from 'apache-arrow';
import { randomUUID } from 'node:crypto';
import * as parquet from 'parquet-wasm/node';
import type { StructField } from '../catalog/types.js';
import { TributaryError } from '../errors.js';
import { toArrowSchema } from './arrow-schema.js';
import { StatsCollector } from './stats.js';

/** Row groups close at this size, so a full flush (128 MiB by default) is one or two row groups. */
const ROW_GROUP_BYTES = 128 * 1024 * 1024;
const ROW_GROUP_ROWS = 8 * 1024 * 1024;

/**
 * How a data file is compressed. In WebAssembly, Snappy encodes about 340 MB/s of Arrow IPC and ZSTD about
 * 125 MB/s, for files a fifth to twice as large: flushes, which sit on the ingestion path, use Snappy
 * unless the server is told otherwise (`--data-file-codec`), and compaction, which writes the files that
 * stay, uses ZSTD.
 */
export type ParquetCodec = 'snappy' | 'zstd';

const CODECS: Record<ParquetCodec, parquet.Compression> = {
  snappy: parquet.Compression.SNAPPY,
  zstd: parquet.Compression.ZSTD,
};

/** A data file's name, with its codec in it as Spark names them. */
export function dataFileName(codec: ParquetCodec): string {
  return `part-${randomUUID()}.${codec}.parquet`;
}

/** A written data file: its bytes, its `add.stats` JSON, and its row count. */
export interface EncodedFile {
  readonly bytes: Uint8Array;
  readonly stats: string;
  readonly numRecords: number;
}

/** Decodes Arrow IPC streams (schema + batches each, as the WAL stores them) into batches. */
export function decodeIpcStreams(payloads: readonly Uint8Array[]): RecordBatch[] {
  const batches: RecordBatch[] = [];
  for (const payload of payloads) {
    for (const batch of RecordBatchReader.from(payload)) batches.push(batch);
  }
  return batches;
}

/**
 * Re-labels batches with the table's Arrow schema after checking they have its shape, so that files written
 * from WAL payloads and from older Parquet files (compaction) all carry exactly the table's types.
 */
export function conformBatches(fields: readonly StructField[], batches: readonly RecordBatch[]): RecordBatch[] {
  const schema = toArrowSchema(fields);
  return batches.map((batch) => {
    checkSchema(schema, batch.schema);
    const data = makeData({
      type: new Struct(schema.fields),
      length: batch.numRows,
      nullCount: 0,
      children: batch.data.children,
    });
    return new RecordBatch(schema, data);
  });
}

function checkSchema(expected: Schema, actual: Schema): void {
  const describe = (s: Schema) => s.fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ');
  if (describe(expected) !== describe(actual)) {
    throw new TributaryError(
      'internal',
      `batch schema (${describe(actual)}) does not match the table schema (${describe(expected)})`,
    );
  }
}

/**
 * Writes WAL payloads (Arrow IPC streams) as one Parquet file with its statistics. Payloads that all carry
 * the same schema message, with the table's fields, go to the Parquet writer as they are, joined into one
 * stream: re-encoding them through Arrow JS cost the worker a fifth of its time. Others (frames written
 * under another schema encoding) are conformed first, as compaction does.
 */
export function writeDataFileFromIpc(
  fields: readonly StructField[],
  payloads: readonly Uint8Array[],
  codec: ParquetCodec,
): EncodedFile {
  const batches = decodeIpcStreams(payloads);
  const joined = joinIpcStreams(payloads);
  const schema = toArrowSchema(fields);
  if (joined === undefined || !batches.every((b) => sameFields(schema, b.schema))) {
    return writeDataFile(fields, batches, codec, false);
  }
  const stats = new StatsCollector(fields);
  let numRecords = 0;
  for (const batch of batches) {
    stats.add(batch);
    numRecords += batch.numRows;
  }
  return { bytes: writeParquet(joined, codec, false), stats: stats.toJson(), numRecords };
}

function sameFields(expected: Schema, actual: Schema): boolean {
  return (
    expected.fields.length === actual.fields.length &&
    expected.fields.every((f, i) => {
      const other = actual.fields[i]!;
      return f.name === other.name && f.nullable === other.nullable && String(f.type) === String(other.type);
    })
  );
}

/** The end-of-stream marker: a continuation token and a zero metadata length. */
const IPC_END = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0);

/**
 * Joins complete IPC streams (schema message, batches, end marker) into one: the first schema, every
 * stream's batches, one end marker. Undefined when the streams do not share one schema message, or one is
 * not framed as expected.
 */
function joinIpcStreams(streams: readonly Uint8Array[]): Uint8Array | undefined {
  const first = streams[0];
  if (first === undefined) return undefined;
  const schemaBytes = schemaMessageLength(first);
  if (schemaBytes === undefined) return undefined;
  let length = IPC_END.length;
  for (const stream of streams) {
    if (schemaMessageLength(stream) !== schemaBytes || !endsWithEndMarker(stream)) return undefined;
    if (!equalBytes(stream, first, schemaBytes)) return undefined;
    length += stream.length - schemaBytes - IPC_END.length;
  }
  const joined = joinBuffer(length + schemaBytes);
  joined.set(first.subarray(0, schemaBytes));
  let at = schemaBytes;
  for (const stream of streams) {
    const batches = stream.subarray(schemaBytes, stream.length - IPC_END.length);
    joined.set(batches, at);
    at += batches.length;
  }
  joined.set(IPC_END, at);
  return joined;
}

/**
 * A buffer of `length` bytes, valid until the next call. The joined stream is copied into WebAssembly
 * memory right away, so one buffer serves every file: a fresh 64 MiB buffer each time cost the worker
 * a tenth of its time in page faults.
 */
function joinBuffer(length: number): Uint8Array {
  if (joinScratch === undefined || joinScratch.length < length) joinScratch = new Uint8Array(length);
  return joinScratch.subarray(0, length);
}
let joinScratch: Uint8Array | undefined;

/** Bytes of the leading message (continuation token, length, metadata; a schema message has no body). */
function schemaMessageLength(stream: Uint8Array): number | undefined {
  if (stream.length < 8) return undefined;
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  if (view.getInt32(0, true) !== -1) return undefined;
  const end = 8 + view.getInt32(4, true);
  return end <= stream.length ? end : undefined;
}

function endsWithEndMarker(stream: Uint8Array): boolean {
  return stream.length >= IPC_END.length && equalBytes(stream.subarray(stream.length - IPC_END.length), IPC_END, IPC_END.length);
}

function equalBytes(a: Uint8Array, b: Uint8Array, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Writes batches of the table's schema as one Parquet file and computes its statistics. */
export function writeDataFile(
  fields: readonly StructField[],
  batches: readonly RecordBatch[],
  codec: ParquetCodec,
  columnStatistics: boolean,
): EncodedFile {
  const conformed = conformBatches(fields, batches);
  const stats = new StatsCollector(fields);
  for (const batch of conformed) stats.add(batch);
  const table = new Table(toArrowSchema(fields), conformed);
  const bytes = writeParquet(tableToIPC(table, 'stream'), codec, columnStatistics);
  return { bytes, stats: stats.toJson(), numRecords: table.numRows };
}

/**
 * Encodes one Arrow IPC stream as Parquet with Tributary's writer settings. Dictionary encoding is off:
 * measured on 3- and 100-column tables, compression alone gave smaller files (by a third to a half, even with
 * low-cardinality columns) and arrow-rs wrote them 2–3 times faster (see the bench's materialize scenario).
 *
 * Column-chunk statistics (`columnStatistics`) cost a third of the encoding time of a 105-column table.
 * A flush's file is one row group, which its Delta statistics (exact, and what readers skip files by)
 * already bound, so flushes write none; compaction, whose files may hold several row groups, does.
 */
export function writeParquet(ipcStream: Uint8Array, codec: ParquetCodec, columnStatistics: boolean): Uint8Array {
  const wasmTable = parquet.Table.fromIPCStream(ipcStream);
  const props = new parquet.WriterPropertiesBuilder()
    .setCompression(CODECS[codec])
    .setDictionaryEnabled(false)
    .setStatisticsEnabled(columnStatistics ? parquet.EnabledStatistics.Chunk : parquet.EnabledStatistics.None)
    .setMaxRowGroupBytes(ROW_GROUP_BYTES)
    .setMaxRowGroupSize(ROW_GROUP_ROWS)
    .setCreatedBy('tributary')
    .build();
  return parquet.writeParquet(wasmTable, props);
}

/** Rows per batch when reading Parquet: few large batches keep later row access cheap. */
const READ_BATCH_ROWS = 64 * 1024;

/** Reads a whole Parquet file into Arrow batches. */
export function readParquetBatches(bytes: Uint8Array): RecordBatch[] {
  return tableFromIPC(parquet.readParquet(bytes, { batchSize: READ_BATCH_ROWS }).intoIPCStream()).batches;
}
