/**
 * Row batches → Arrow record batches → Arrow IPC, and back.
 *
 * Arrow data is assembled from the builders' buffers with `makeData` (no per-value builders): apache-arrow's
 * builders take timestamps in milliseconds, which would drop the microseconds TIMESTAMP columns carry. The
 * IPC form is a complete stream (schema message, batches, end marker) so each WAL frame can be read on its
 * own, with no descriptor and no earlier frame.
 *
 * On the ingest path the row batch is encoded straight from views of its builders into one buffer in
 * shared memory: the bytes are copied once, and the Parquet worker reads them without the two copies a
 * message to a worker otherwise makes.
 */
import {
  AsyncByteQueue,
  type Data,
  DataType,
  RecordBatch,
  RecordBatchReader,
  RecordBatchStreamWriter,
  type Schema,
  Struct,
  makeData,
} from 'apache-arrow';
import { TributaryError } from '../errors.js';
import type { ColumnBuilder, RowBatch } from './row-batch.js';

/**
 * Builds an Arrow record batch holding a copy of the batch's rows; the batch may be appended to or
 * cleared afterwards. `schema` is `toArrowSchema(batch.columns)` (from `delta/arrow-schema.ts`).
 */
export function toArrowRecordBatch(batch: RowBatch, schema: Schema): RecordBatch {
  return recordBatchOf(batch, schema, copy);
}

/** A view of `length` bytes of shared memory (from `PayloadBuffers`, or a new buffer by default). */
export type SharedAllocator = (length: number) => Uint8Array;

const newSharedBytes: SharedAllocator = (length) => new Uint8Array(new SharedArrayBuffer(length));

/**
 * The batch's rows as a self-contained Arrow IPC stream in shared memory from `allocate`, read from the
 * builders without an intermediate copy.
 */
export function encodeRowBatchIpc(batch: RowBatch, schema: Schema, allocate: SharedAllocator = newSharedBytes): Uint8Array {
  return encodeIpc(recordBatchOf(batch, schema, view), allocate);
}

/** How a builder's buffer becomes Arrow data: a copy that outlives the builder, or a view valid until it changes. */
type Take = <T extends Uint8Array | Int32Array | NumberArray | BigInt64Array | BigUint64Array>(array: T, length: number) => T;
type NumberArray = Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
/** `%TypedArray%.prototype.slice`, which copies even for a Buffer (whose own `slice` is a view). */
const typedArraySlice = (Object.getPrototypeOf(Int8Array.prototype) as { slice: (start: number, end: number) => unknown }).slice;
const copy: Take = (array, length) => typedArraySlice.call(array, 0, length) as typeof array;
const view: Take = (array, length) => array.subarray(0, length) as typeof array;

function recordBatchOf(batch: RowBatch, schema: Schema, take: Take): RecordBatch {
  const length = batch.rowCount;
  const fields = schema.fields;
  if (fields.length !== batch.builders.length) {
    throw mismatch(`${fields.length} schema fields for ${batch.builders.length} columns`);
  }
  const children = batch.builders.map((b, i) => toData(b, fields[i]!.type, length, take));
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length, nullCount: 0, children }));
}

function mismatch(detail: string): TributaryError {
  return new TributaryError('internal', `row batch does not match the Arrow schema: ${detail}`);
}

/** Arrow data for the first `length` values of a builder. */
function toData(b: ColumnBuilder, type: DataType, length: number, take: Take): Data {
  const { nullBitmap, nullCount } = packValidity(b.validity, length);
  switch (b.kind) {
    case 'number': {
      const data = take(b.values, length);
      if (DataType.isInt(type)) return makeData({ type, length, nullCount, nullBitmap, data });
      if (DataType.isFloat(type)) return makeData({ type, length, nullCount, nullBitmap, data });
      if (DataType.isDate(type)) return makeData({ type, length, nullCount, nullBitmap, data });
      break;
    }
    case 'int64': {
      const data = take(b.values, length);
      if (DataType.isInt(type)) return makeData({ type, length, nullCount, nullBitmap, data });
      if (DataType.isTimestamp(type)) return makeData({ type, length, nullCount, nullBitmap, data });
      break;
    }
    case 'bool':
      if (DataType.isBool(type)) {
        return makeData({ type, length, nullCount, nullBitmap, data: packBits(b.values, length) });
      }
      break;
    case 'decimal':
      if (DataType.isDecimal(type)) {
        const words = take(b.values, length * 2);
        const data = new Uint32Array(words.buffer, words.byteOffset, length * 4);
        return makeData({ type, length, nullCount, nullBitmap, data });
      }
      break;
    case 'bytes': {
      const valueOffsets = take(b.offsets, length + 1);
      const data = take(b.data, valueOffsets[length]!);
      if (DataType.isUtf8(type)) return makeData({ type, length, nullCount, nullBitmap, valueOffsets, data });
      if (DataType.isBinary(type)) return makeData({ type, length, nullCount, nullBitmap, valueOffsets, data });
      break;
    }
    case 'list':
      if (DataType.isList(type)) {
        const valueOffsets = take(b.offsets, length + 1);
        const child = toData(b.element, type.children[0]!.type, valueOffsets[length]!, take);
        return makeData({ type, length, nullCount, nullBitmap, valueOffsets, child });
      }
      break;
    case 'map':
      if (DataType.isMap(type)) {
        const valueOffsets = take(b.offsets, length + 1);
        const entries = valueOffsets[length]!;
        const entryType = type.children[0]!.type;
        const [keyField, valueField] = entryType.children;
        if (!keyField || !valueField) break;
        const child = makeData({
          type: entryType,
          length: entries,
          nullCount: 0,
          children: [toData(b.keys, keyField.type, entries, take), toData(b.values, valueField.type, entries, take)],
        });
        return makeData({ type, length, nullCount, nullBitmap, valueOffsets, child });
      }
      break;
    case 'struct':
      if (DataType.isStruct(type) && type.children.length === b.children.length) {
        const children = b.children.map((c, i) => toData(c, type.children[i]!.type, length, take));
        return makeData({ type, length, nullCount, nullBitmap, children });
      }
      break;
  }
  throw mismatch(`a ${b.kind} builder for Arrow type ${String(type)}`);
}

/** Packs one-byte-per-slot validity into an Arrow bitmap; no bitmap at all when nothing is null. */
function packValidity(validity: Uint8Array | null, length: number): { nullBitmap?: Uint8Array; nullCount: number } {
  if (validity === null) return { nullCount: 0 };
  let valid = 0;
  for (let i = 0; i < length; i++) valid += validity[i]!;
  if (valid === length) return { nullCount: 0 };
  return { nullBitmap: packBits(validity, length), nullCount: length - valid };
}

/** Packs `length` bytes of 0/1 into LSB-first bits. */
function packBits(bytes: Uint8Array, length: number): Uint8Array {
  const bits = new Uint8Array((length + 7) >>> 3);
  for (let i = 0; i < length; i++) bits[i >>> 3]! |= bytes[i]! << (i & 7);
  return bits;
}

/**
 * Serializes a record batch as a self-contained Arrow IPC stream (schema, the batch, end-of-stream), in a
 * `SharedArrayBuffer` so that a worker it is posted to shares it instead of receiving a copy.
 */
export function encodeIpc(batch: RecordBatch, allocate: SharedAllocator = newSharedBytes): Uint8Array {
  const sink = new SharedMemorySink();
  const writer = new RecordBatchStreamWriter();
  writer.reset(sink);
  writer.write(batch);
  writer.finish();
  return sink.join(allocate);
}

/** Collects the IPC writer's chunks (views of the batch's buffers) and joins them once, into shared memory. */
class SharedMemorySink extends AsyncByteQueue {
  join(allocate: SharedAllocator): Uint8Array {
    const chunks = this._values;
    let length = 0;
    for (const chunk of chunks) length += chunk.byteLength;
    const joined = allocate(length);
    let at = 0;
    for (const chunk of chunks) {
      joined.set(chunk, at);
      at += chunk.byteLength;
    }
    return joined;
  }
}

/** Reads every record batch of an Arrow IPC stream produced by {@link encodeIpc} (or any IPC stream). */
export function decodeIpc(bytes: Uint8Array): RecordBatch[] {
  return RecordBatchReader.from(bytes).readAll();
}
