/**
 * Hand-written encode/decode of the `EphemeralStream` messages in both directions: the server decodes
 * requests and encodes responses, the SDK does the opposite. Byte-identical to a protobuf runtime fed
 * `zerobus_service.proto` (tests compare against protobufjs), with two properties a generic runtime lacks:
 *
 * - encoding computes the exact size first and writes into one Buffer of that size (grpc-js wants a Buffer;
 *   no growth, no copy, a batch of N records in one pass);
 * - decoding returns record bytes as views into the received message (zero-copy).
 *
 * proto2 presence is kept: `stream_id` and `durability_ack_up_to_offset` are written whenever set, even as
 * "" / 0, and fields absent on the wire are absent in the decoded value. Unknown fields are skipped.
 * Malformed input throws {@link ProtobufDecodeError}.
 */
import {
  ProtoReader,
  ProtoWriter,
  ProtobufDecodeError,
  WireType,
  utf8Length,
  varint32Size,
  varint64Size,
} from './protobuf-wire.js';
import {
  RecordType,
  type CloseStreamSignal,
  type CreateStreamRequest,
  type CreateStreamResponse,
  type EphemeralStreamRequest,
  type EphemeralStreamResponse,
  type IngestRecordBatchRequest,
  type IngestRecordRequest,
  type IngestRecordResponse,
  type WireRecordBatch,
  type WireRecordPayload,
} from './messages.js';

export { ProtobufDecodeError } from './protobuf-wire.js';

// Tags (field number << 3 | wire type) of every field the contract defines.
const LEN = WireType.LENGTH_DELIMITED;
const TAG_1_LEN = (1 << 3) | LEN;
const TAG_2_LEN = (2 << 3) | LEN;
const TAG_3_LEN = (3 << 3) | LEN;
const TAG_1_VARINT = 1 << 3;
const TAG_2_VARINT = 2 << 3;
const TAG_4_VARINT = 4 << 3;

const NANOS_PER_SECOND = 1_000_000_000;

/** Size of a length-delimited field (one-byte tag) whose body is `n` bytes. */
function delimitedSize(n: number): number {
  return 1 + varint32Size(n) + n;
}

/** Memory for an encoded message of exactly `size` bytes, not zeroed (a client may hand out reused memory). */
export type MessageAllocator = (size: number) => Buffer;

const allocateMessage: MessageAllocator = (size) => Buffer.allocUnsafe(size);

/** A writer over a Buffer of exactly the message's computed size. */
function exactWriter(size: number, allocate: MessageAllocator = allocateMessage): ProtoWriter {
  return new ProtoWriter(allocate(size));
}

/** The finished message; a size mismatch is a bug in this file, never a property of the input. */
function finishExact(w: ProtoWriter, size: number): Buffer {
  const out = w.finish();
  if (out.length !== size) throw new Error(`codec size mismatch: computed ${size}, wrote ${out.length}`);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Requests

/** Encodes any request (dispatches to the per-kind encoders below). */
export function encodeRequest(request: EphemeralStreamRequest): Buffer {
  switch (request.kind) {
    case 'create_stream':
      return encodeCreateStream(request);
    case 'ingest_record':
      return encodeIngestRecord(request.offsetId, request.record);
    case 'ingest_record_batch':
      return encodeIngestRecordBatch(request.offsetId, request.batch);
  }
}

/** `EphemeralStreamRequest{create_stream}`. */
export function encodeCreateStream(request: Omit<CreateStreamRequest, 'kind'>): Buffer {
  const nameLen = utf8Length(request.tableName);
  let inner = delimitedSize(nameLen);
  if (request.descriptorProto) inner += delimitedSize(request.descriptorProto.length);
  if (request.recordType !== undefined) inner += 1 + varint32Size(request.recordType);
  const size = delimitedSize(inner);
  const w = exactWriter(size);
  w.uint32(TAG_1_LEN).uint32(inner);
  w.uint32(TAG_1_LEN).string(request.tableName, nameLen);
  if (request.descriptorProto) w.uint32(TAG_3_LEN).bytes(request.descriptorProto);
  if (request.recordType !== undefined) w.uint32(TAG_4_VARINT).uint32(request.recordType);
  return finishExact(w, size);
}

/** `EphemeralStreamRequest{ingest_record{offset_id, json_record | proto_encoded_record}}`. */
export function encodeIngestRecord(offsetId: bigint | number, record: WireRecordPayload): Buffer {
  const payloadLen = record.kind === 'json' ? utf8Length(record.json) : record.bytes.length;
  const inner = 1 + varint64Size(offsetId) + delimitedSize(payloadLen);
  const size = delimitedSize(inner);
  const w = exactWriter(size);
  w.uint32(TAG_2_LEN).uint32(inner);
  w.uint32(TAG_1_VARINT).int64(offsetId);
  if (record.kind === 'json') w.uint32(TAG_3_LEN).string(record.json, payloadLen);
  else w.uint32(TAG_2_LEN).bytes(record.bytes);
  return finishExact(w, size);
}

/**
 * `EphemeralStreamRequest{ingest_record_batch{offset_id, json_batch | proto_encoded_batch}}`, written into
 * memory from `allocate` (a new buffer by default).
 */
export function encodeIngestRecordBatch(
  offsetId: bigint | number,
  batch: WireRecordBatch,
  allocate: MessageAllocator = allocateMessage,
): Buffer {
  if (batch.kind === 'json') {
    const body = encodeJsonRecords(batch.records);
    const inner = 1 + varint64Size(offsetId) + delimitedSize(body.length);
    const size = delimitedSize(inner);
    const w = exactWriter(size, allocate);
    w.uint32(TAG_3_LEN).uint32(inner);
    w.uint32(TAG_1_VARINT).int64(offsetId);
    w.uint32(TAG_3_LEN).bytes(body);
    return finishExact(w, size);
  }
  const count = batch.records.length;
  let body = 0;
  for (let i = 0; i < count; i++) body += delimitedSize(batch.records[i]!.length);
  const inner = 1 + varint64Size(offsetId) + delimitedSize(body);
  const size = delimitedSize(inner);
  const w = exactWriter(size, allocate);
  w.uint32(TAG_3_LEN).uint32(inner);
  w.uint32(TAG_1_VARINT).int64(offsetId);
  w.uint32(TAG_2_LEN).uint32(body);
  for (let i = 0; i < count; i++) w.uint32(TAG_1_LEN).bytes(batch.records[i]!);
  return finishExact(w, size);
}

/** Reused between batches; the batch is copied out of it into the message. */
let jsonScratch = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * The body of a `JsonRecordBatch` (field 1 per record) in `jsonScratch`, valid until the next call. A
 * record's UTF-8 length is known only once it is written, but the size of its varint prefix usually is
 * known before (n UTF-16 units take n to 3n bytes): the text goes right after the prefix, which is filled
 * in afterwards. Measuring every record first (`Buffer.byteLength`) cost the client as much again.
 */
function encodeJsonRecords(records: readonly string[]): Buffer {
  let scratch = jsonScratch;
  let pos = 0;
  for (const record of records) {
    const units = record.length;
    const needed = pos + 1 + MAX_VARINT32_BYTES + 3 * units;
    if (needed > scratch.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(needed, 2 * scratch.length));
      scratch.copy(grown, 0, 0, pos);
      jsonScratch = scratch = grown;
    }
    scratch[pos++] = TAG_1_LEN;
    let prefix = varint32Size(units);
    if (prefix === varint32Size(3 * units)) {
      const written = (scratch as Utf8WritableBuffer).utf8Write(record, pos + prefix);
      writeVarint32(scratch, pos, written, prefix);
      pos += prefix + written;
    } else {
      const length = utf8Length(record);
      prefix = varint32Size(length);
      writeVarint32(scratch, pos, length, prefix);
      pos += prefix + (scratch as Utf8WritableBuffer).utf8Write(record, pos + prefix);
    }
  }
  return scratch.subarray(0, pos);
}

type Utf8WritableBuffer = Buffer & { utf8Write(value: string, offset: number): number };
const MAX_VARINT32_BYTES = 5;

/** Writes `value` as a varint of exactly `size` bytes (its canonical size) at `at`. */
function writeVarint32(buf: Buffer, at: number, value: number, size: number): void {
  let v = value;
  for (let i = 0; i < size - 1; i++) {
    buf[at + i] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at + size - 1] = v;
}

/** Decodes a request. Record bytes and descriptors are views into `bytes`. */
export function decodeRequest(bytes: Uint8Array): EphemeralStreamRequest {
  return decodeOneof<EphemeralStreamRequest>(bytes, REQUEST_ARMS, 'EphemeralStreamRequest');
}

/**
 * Decodes a message that is one `oneof payload` of three message arms (fields 1, 2, 3), as both stream
 * envelopes are. Proto semantics: of several arms on the wire, the last one wins; none is malformed.
 */
function decodeOneof<T>(
  bytes: Uint8Array,
  arms: readonly [(r: ProtoReader) => T, (r: ProtoReader) => T, (r: ProtoReader) => T],
  message: string,
): T {
  const r = new ProtoReader(bytes);
  let result: T | undefined;
  while (!r.done) {
    const tag = r.tag();
    switch (tag) {
      case TAG_1_LEN:
        result = arms[0](r.subReader());
        break;
      case TAG_2_LEN:
        result = arms[1](r.subReader());
        break;
      case TAG_3_LEN:
        result = arms[2](r.subReader());
        break;
      default:
        r.skipTag(tag);
    }
  }
  if (result === undefined) throw new ProtobufDecodeError(`${message} without a payload`, 0);
  return result;
}

function decodeCreateStream(r: ProtoReader): CreateStreamRequest {
  const start = r.pos;
  let tableName: string | undefined;
  let descriptorProto: Uint8Array | undefined;
  let recordType: RecordType | undefined;
  while (!r.done) {
    const tag = r.tag();
    switch (tag) {
      case TAG_1_LEN:
        tableName = r.string();
        break;
      case TAG_3_LEN:
        descriptorProto = r.bytes();
        break;
      case TAG_4_VARINT: {
        const at = r.pos;
        const value = r.int32();
        if (value !== RecordType.RECORD_TYPE_UNSPECIFIED && value !== RecordType.PROTO && value !== RecordType.JSON) {
          throw new ProtobufDecodeError(`unknown record_type ${value} (expected 1 = PROTO or 2 = JSON)`, at);
        }
        recordType = value;
        break;
      }
      default:
        r.skipTag(tag);
    }
  }
  if (tableName === undefined) throw new ProtobufDecodeError('create_stream without table_name', start);
  return {
    kind: 'create_stream',
    tableName,
    ...(descriptorProto !== undefined && { descriptorProto }),
    ...(recordType !== undefined && { recordType }),
  };
}

function decodeIngestRecord(r: ProtoReader): IngestRecordRequest {
  const start = r.pos;
  let offsetId: bigint | undefined;
  let record: WireRecordPayload | undefined;
  while (!r.done) {
    const tag = r.tag();
    switch (tag) {
      case TAG_1_VARINT:
        offsetId = r.int64();
        break;
      case TAG_2_LEN:
        record = { kind: 'proto', bytes: r.bytes() };
        break;
      case TAG_3_LEN:
        record = { kind: 'json', json: r.string() };
        break;
      default:
        r.skipTag(tag);
    }
  }
  if (offsetId === undefined) throw new ProtobufDecodeError('ingest_record without offset_id', start);
  if (!record) throw new ProtobufDecodeError('ingest_record without a record', start);
  return { kind: 'ingest_record', offsetId, record };
}

function decodeIngestRecordBatch(r: ProtoReader): IngestRecordBatchRequest {
  const start = r.pos;
  let offsetId: bigint | undefined;
  let batch: WireRecordBatch | undefined;
  while (!r.done) {
    const tag = r.tag();
    switch (tag) {
      case TAG_1_VARINT:
        offsetId = r.int64();
        break;
      case TAG_2_LEN:
        batch = { kind: 'proto', records: decodeRepeated(r.subReader(), (x) => x.bytes()) };
        break;
      case TAG_3_LEN:
        batch = { kind: 'json', records: decodeRepeated(r.subReader(), (x) => x.string()) };
        break;
      default:
        r.skipTag(tag);
    }
  }
  if (offsetId === undefined) throw new ProtobufDecodeError('ingest_record_batch without offset_id', start);
  if (!batch) throw new ProtobufDecodeError('ingest_record_batch without a batch', start);
  return { kind: 'ingest_record_batch', offsetId, batch };
}

/** Field 1 (`repeated records`) of a JsonRecordBatch / ProtoEncodedRecordBatch. */
function decodeRepeated<T>(r: ProtoReader, read: (r: ProtoReader) => T): T[] {
  const out: T[] = [];
  while (!r.done) {
    const tag = r.tag();
    if (tag === TAG_1_LEN) out.push(read(r));
    else r.skipTag(tag);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Responses

/** Encodes a response. */
export function encodeResponse(response: EphemeralStreamResponse): Buffer {
  switch (response.kind) {
    case 'create_stream_response':
      return encodeCreateStreamResponse(response.streamId);
    case 'ingest_record_response':
      return encodeIngestRecordResponse(response.durabilityAckUpToOffset);
    case 'close_stream_signal':
      return encodeCloseStreamSignal(response.durationSeconds);
  }
}

function encodeCreateStreamResponse(streamId: string | undefined): Buffer {
  const idLen = streamId === undefined ? 0 : utf8Length(streamId);
  const inner = streamId === undefined ? 0 : delimitedSize(idLen);
  const size = delimitedSize(inner);
  const w = exactWriter(size);
  w.uint32(TAG_1_LEN).uint32(inner);
  if (streamId !== undefined) w.uint32(TAG_1_LEN).string(streamId, idLen);
  return finishExact(w, size);
}

function encodeIngestRecordResponse(ack: bigint | undefined): Buffer {
  const inner = ack === undefined ? 0 : 1 + varint64Size(ack);
  const size = delimitedSize(inner);
  const w = exactWriter(size);
  w.uint32(TAG_2_LEN).uint32(inner);
  if (ack !== undefined) w.uint32(TAG_1_VARINT).int64(ack);
  return finishExact(w, size);
}

function encodeCloseStreamSignal(durationSeconds: number | undefined): Buffer {
  const duration = durationSeconds === undefined ? undefined : splitDuration(durationSeconds);
  // google.protobuf.Duration is proto3: zero seconds / nanos are left out, an empty Duration is "0s".
  let durationLen = 0;
  if (duration && duration.seconds !== 0) durationLen += 1 + varint64Size(duration.seconds);
  if (duration && duration.nanos !== 0) durationLen += 1 + varint64Size(duration.nanos);
  const inner = duration ? delimitedSize(durationLen) : 0;
  const size = delimitedSize(inner);
  const w = exactWriter(size);
  w.uint32(TAG_3_LEN).uint32(inner);
  if (duration) {
  w.uint32(TAG_1_LEN).uint32(durationLen);
  if (duration.seconds !== 0) w.uint32(TAG_1_VARINT).int64(duration.seconds);
  if (duration.nanos !== 0) w.uint32(TAG_2_VARINT).int32(duration.nanos);
  }
  return finishExact(w, size);
}

/** Seconds as `Duration{seconds, nanos}`; both carry the same sign, as the Duration spec requires. */
function splitDuration(totalSeconds: number): { seconds: number; nanos: number } {
  if (!Number.isFinite(totalSeconds)) throw new RangeError(`duration must be finite, got ${totalSeconds}`);
  const seconds = Math.trunc(totalSeconds);
  const nanos = Math.round((totalSeconds - seconds) * NANOS_PER_SECOND);
  return nanos === NANOS_PER_SECOND || nanos === -NANOS_PER_SECOND
    ? { seconds: seconds + Math.sign(nanos), nanos: 0 }
    : { seconds, nanos };
}

/** Decodes a response. A response without a payload arm is malformed (clients treat it as unexpected). */
export function decodeResponse(bytes: Uint8Array): EphemeralStreamResponse {
  return decodeOneof<EphemeralStreamResponse>(bytes, RESPONSE_ARMS, 'EphemeralStreamResponse');
}

function decodeCreateStreamResponse(r: ProtoReader): CreateStreamResponse {
  let streamId: string | undefined;
  while (!r.done) {
    const tag = r.tag();
    if (tag === TAG_1_LEN) streamId = r.string();
    else r.skipTag(tag);
  }
  return streamId === undefined ? { kind: 'create_stream_response' } : { kind: 'create_stream_response', streamId };
}

function decodeIngestRecordResponse(r: ProtoReader): IngestRecordResponse {
  let ack: bigint | undefined;
  while (!r.done) {
    const tag = r.tag();
    if (tag === TAG_1_VARINT) ack = r.int64();
    else r.skipTag(tag);
  }
  return ack === undefined
    ? { kind: 'ingest_record_response' }
    : { kind: 'ingest_record_response', durabilityAckUpToOffset: ack };
}

function decodeCloseStreamSignal(r: ProtoReader): CloseStreamSignal {
  let durationSeconds: number | undefined;
  while (!r.done) {
    const tag = r.tag();
    if (tag === TAG_1_LEN) durationSeconds = decodeDuration(r.subReader());
    else r.skipTag(tag);
  }
  return durationSeconds === undefined
    ? { kind: 'close_stream_signal' }
    : { kind: 'close_stream_signal', durationSeconds };
}

function decodeDuration(r: ProtoReader): number {
  let seconds = 0;
  let nanos = 0;
  while (!r.done) {
    const tag = r.tag();
    if (tag === TAG_1_VARINT) seconds = Number(r.int64Number());
    else if (tag === TAG_2_VARINT) nanos = r.int32();
    else r.skipTag(tag);
  }
  return seconds + nanos / NANOS_PER_SECOND;
}

const REQUEST_ARMS = [decodeCreateStream, decodeIngestRecord, decodeIngestRecordBatch] as const;
const RESPONSE_ARMS = [decodeCreateStreamResponse, decodeIngestRecordResponse, decodeCloseStreamSignal] as const;
