/**
 * Turns what a producer passes to `ingestRecord*` into wire records, with the official client's local
 * checks: the payload kind must match the stream's record type, and one call's payload bytes are capped
 * just under the server's 10 MiB message limit.
 */
import type { WireRecordBatch, WireRecordPayload } from '../protocol/messages.js';
import { ZerobusError, invalidArgument } from './zerobus-error.js';
import { RecordType } from './options.js';

/**
 * A record as producers pass it: a JSON string or a plain object (JSON streams); a Buffer / Uint8Array
 * or a protobufjs message instance (PROTO streams).
 */
export type RecordPayload = string | Uint8Array | object;

/** Largest total payload of one ingest call: 10 MiB − 64 KiB, as the official client enforces. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024 - 64 * 1024;

/** A protobufjs message instance: its constructor is the generated type with a static `encode`. */
interface ProtobufjsMessage {
  constructor: { encode(message: unknown): { finish(): Uint8Array } };
}

function isProtobufjsMessage(value: object): value is ProtobufjsMessage {
  const ctor = (value as { constructor?: { encode?: unknown } }).constructor;
  return typeof ctor?.encode === 'function';
}

function badPayload(): ZerobusError {
  return new ZerobusError(
    'Payload must be a Buffer, string, protobuf message object, or plain JavaScript object',
    false,
  );
}

function typeMismatch(): ZerobusError {
  return invalidArgument('Record type does not match stream configuration.');
}

function tooLarge(bytes: number): ZerobusError {
  return invalidArgument(
    `Ingest payload too large: ${bytes} bytes exceeds the configured limit of ${MAX_PAYLOAD_BYTES} bytes.`,
  );
}

/** JSON text of a payload on a JSON stream. */
function jsonOf(payload: unknown): string {
  if (typeof payload === 'string') return payload;
  if (payload instanceof Uint8Array) throw typeMismatch();
  if (typeof payload !== 'object' || payload === null) throw badPayload();
  if (isProtobufjsMessage(payload)) throw typeMismatch();
  const json = JSON.stringify(payload) as string | undefined;
  if (json === undefined) throw badPayload();
  return json;
}

/** Encoded bytes of a payload on a PROTO stream. */
function protoOf(payload: unknown): Uint8Array {
  if (payload instanceof Uint8Array) return payload;
  if (typeof payload === 'string') throw typeMismatch();
  if (typeof payload !== 'object' || payload === null) throw badPayload();
  if (!isProtobufjsMessage(payload)) throw typeMismatch();
  return payload.constructor.encode(payload).finish();
}

/**
 * UTF-8 size of `s`, or 0 when it cannot reach `budget` anyway (at most 3 bytes per UTF-16 unit), so
 * ordinary records never pay for counting.
 */
function jsonBytesAgainst(s: string, budget: number): number {
  return s.length * 3 <= budget ? 0 : Buffer.byteLength(s, 'utf8');
}

/** One record for a stream of `recordType`; throws {@link ZerobusError} on a local validation failure. */
export function toWireRecord(payload: unknown, recordType: RecordType): WireRecordPayload {
  if (recordType === RecordType.Json) {
    const json = jsonOf(payload);
    const bytes = jsonBytesAgainst(json, MAX_PAYLOAD_BYTES);
    if (bytes > MAX_PAYLOAD_BYTES) throw tooLarge(bytes);
    return { kind: 'json', json };
  }
  const bytes = protoOf(payload);
  if (bytes.length > MAX_PAYLOAD_BYTES) throw tooLarge(bytes.length);
  return { kind: 'proto', bytes };
}

/** Records of one batch call (≥ 1), all of the stream's type, within the payload cap in total. */
export function toWireBatch(payloads: readonly unknown[], recordType: RecordType): WireRecordBatch {
  if (recordType === RecordType.Json) {
    const records = payloads.map(jsonOf);
    let chars = 0;
    for (const r of records) chars += r.length;
    if (chars * 3 > MAX_PAYLOAD_BYTES) {
      let bytes = 0;
      for (const r of records) bytes += Buffer.byteLength(r, 'utf8');
      if (bytes > MAX_PAYLOAD_BYTES) throw tooLarge(bytes);
    }
    return { kind: 'json', records };
  }
  const records = payloads.map(protoOf);
  let bytes = 0;
  for (const r of records) bytes += r.length;
  if (bytes > MAX_PAYLOAD_BYTES) throw tooLarge(bytes);
  return { kind: 'proto', records };
}

/** A record's bytes as `getUnackedRecords()` returns them: JSON as UTF-8, protobuf copied. */
export function recordBytes(record: WireRecordPayload): Buffer {
  return record.kind === 'json' ? Buffer.from(record.json, 'utf8') : Buffer.from(record.bytes);
}
