/**
 * Row batches → Arrow record batches → Arrow IPC, and back.
 *
 * Arrow data is assembled from the builders' buffers with `makeData` (one copy per buffer, no per-value
 * builders): apache-arrow's builders take timestamps in milliseconds, which would drop the microseconds
 * TIMESTAMP columns carry. The IPC form is a complete stream (schema message, batches, end marker) so each
 * WAL frame can be read on its own, with no descriptor and no earlier frame.
 */
import {
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
  const length = batch.rowCount;
  const fields = schema.fields;
  if (fields.length !== batch.builders.length) {
    throw mismatch(`${fields.length} schema fields for ${batch.builders.length} columns`);
  }
  const children = batch.builders.map((b, i) => toData(b, fields[i]!.type, length));
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length, nullCount: 0, children }));
}

function mismatch(detail: string): TributaryError {
  return new TributaryError('internal', `row batch does not match the Arrow schema: ${detail}`);
}

/** Arrow data for the first `length` values of a builder. */
function toData(b: ColumnBuilder, type: DataType, length: number): Data {
  const { nullBitmap, nullCount } = packValidity(b.validity, length);
  switch (b.kind) {
    case 'number': {
      const data = b.values.slice(0, length);
      if (DataType.isInt(type)) return makeData({ type, length, nullCount, nullBitmap, data });
      if (DataType.isFloat(type)) return makeData({ type, length, nullCount, nullBitmap, data });
      if (DataType.isDate(type)) return makeData({ type, length, nullCount, nullBitmap, data });
      break;
    }
    case 'int64': {
      const data = b.values.slice(0, length);
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
        const data = new Uint32Array(b.values.buffer.slice(0, length * 16));
        return makeData({ type, length, nullCount, nullBitmap, data });
      }
      break;
    case 'bytes': {
      const valueOffsets = b.offsets.slice(0, length + 1);
      const data = new Uint8Array(valueOffsets[length]!);
      data.set(b.data.subarray(0, data.length));
      if (DataType.isUtf8(type)) return makeData({ type, length, nullCount, nullBitmap, valueOffsets, data });
      if (DataType.isBinary(type)) return makeData({ type, length, nullCount, nullBitmap, valueOffsets, data });
      break;
    }
    case 'list':
      if (DataType.isList(type)) {
        const valueOffsets = b.offsets.slice(0, length + 1);
        const child = toData(b.element, type.children[0]!.type, valueOffsets[length]!);
        return makeData({ type, length, nullCount, nullBitmap, valueOffsets, child });
      }
      break;
    case 'map':
      if (DataType.isMap(type)) {
        const valueOffsets = b.offsets.slice(0, length + 1);
        const entries = valueOffsets[length]!;
        const entryType = type.children[0]!.type;
        const [keyField, valueField] = entryType.children;
        if (!keyField || !valueField) break;
        const child = makeData({
          type: entryType,
          length: entries,
          nullCount: 0,
          children: [toData(b.keys, keyField.type, entries), toData(b.values, valueField.type, entries)],
        });
        return makeData({ type, length, nullCount, nullBitmap, valueOffsets, child });
      }
      break;
    case 'struct':
      if (DataType.isStruct(type) && type.children.length === b.children.length) {
        const children = b.children.map((c, i) => toData(c, type.children[i]!.type, length));
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

/** Serializes a record batch as a self-contained Arrow IPC stream (schema, the batch, end-of-stream). */
export function encodeIpc(batch: RecordBatch): Uint8Array {
  const writer = new RecordBatchStreamWriter();
  writer.write(batch);
  writer.finish();
  return writer.toUint8Array(true);
}

/** Reads every record batch of an Arrow IPC stream produced by {@link encodeIpc} (or any IPC stream). */
export function decodeIpc(bytes: Uint8Array): RecordBatch[] {
  return RecordBatchReader.from(bytes).readAll();
}
