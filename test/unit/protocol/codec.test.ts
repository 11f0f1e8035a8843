import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import {
  ProtobufDecodeError,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from '../../../src/protocol/codec.js';
import { RecordType, type EphemeralStreamRequest, type EphemeralStreamResponse } from '../../../src/protocol/messages.js';
import { ProtoWriter, WireType } from '../../../src/protocol/protobuf-wire.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = protobuf.loadSync(path.resolve(here, '../../../src/protocol/zerobus_service.proto'));
const PbRequest = root.lookupType('databricks.zerobus.EphemeralStreamRequest');
const PbResponse = root.lookupType('databricks.zerobus.EphemeralStreamResponse');

const TABLE = 'main.default.air_quality';
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');
const pbHex = (type: protobuf.Type, value: Record<string, unknown>): string =>
  hex(type.encode(type.fromObject(value)).finish());

/**
 * The 77-byte AirQuality DescriptorProto the official client was measured sending (client report §7):
 * snake_case names, `json_name` only where it differs from the name.
 */
function airQualityDescriptor(): Uint8Array {
  const optional = 1;
  const message = descriptor.DescriptorProto.fromObject({
    name: 'AirQuality',
    field: [
      { name: 'device_name', number: 1, label: optional, type: 9, jsonName: 'deviceName' },
      { name: 'temp', number: 2, label: optional, type: 5 },
      { name: 'humidity', number: 3, label: optional, type: 3 },
    ],
  });
  return descriptor.DescriptorProto.encode(message).finish();
}

/** Our request value → the protobufjs object for the same message. */
function pbRequest(request: EphemeralStreamRequest): Record<string, unknown> {
  switch (request.kind) {
    case 'create_stream':
      return { createStream: { tableName: request.tableName, descriptorProto: request.descriptorProto, recordType: request.recordType } };
    case 'ingest_record':
      return {
        ingestRecord: {
          offsetId: request.offsetId.toString(),
          ...(request.record.kind === 'json' ? { jsonRecord: request.record.json } : { protoEncodedRecord: request.record.bytes }),
        },
      };
    case 'ingest_record_batch':
      return {
        ingestRecordBatch: {
          offsetId: request.offsetId.toString(),
          ...(request.batch.kind === 'json'
            ? { jsonBatch: { records: request.batch.records } }
            : { protoEncodedBatch: { records: request.batch.records } }),
        },
      };
  }
}

function pbResponse(response: EphemeralStreamResponse): Record<string, unknown> {
  switch (response.kind) {
    case 'create_stream_response':
      return { createStreamResponse: response.streamId === undefined ? {} : { streamId: response.streamId } };
    case 'ingest_record_response':
      return {
        ingestRecordResponse:
          response.durabilityAckUpToOffset === undefined ? {} : { durabilityAckUpToOffset: response.durabilityAckUpToOffset.toString() },
      };
    case 'close_stream_signal': {
      if (response.durationSeconds === undefined) return { closeStreamSignal: {} };
      const seconds = Math.trunc(response.durationSeconds);
      const nanos = Math.round((response.durationSeconds - seconds) * 1e9);
      // Duration is proto3: only non-zero members are on the wire.
      return { closeStreamSignal: { duration: { ...(seconds !== 0 && { seconds }), ...(nanos !== 0 && { nanos }) } } };
    }
  }
}

const big = (n: number, fill: string): string => fill.repeat(n);

const REQUESTS: EphemeralStreamRequest[] = [
  { kind: 'create_stream', tableName: TABLE, recordType: RecordType.JSON },
  { kind: 'create_stream', tableName: TABLE, descriptorProto: airQualityDescriptor(), recordType: RecordType.PROTO },
  { kind: 'create_stream', tableName: TABLE },
  { kind: 'create_stream', tableName: 'ünïcødé.schéma.täble', recordType: RecordType.RECORD_TYPE_UNSPECIFIED },
  { kind: 'ingest_record', offsetId: 0n, record: { kind: 'json', json: '{"device_name":"a","temp":1,"humidity":2}' } },
  { kind: 'ingest_record', offsetId: 127n, record: { kind: 'json', json: '' } },
  { kind: 'ingest_record', offsetId: 2n ** 40n, record: { kind: 'json', json: `{"s":"${big(20000, 'é')}"}` } },
  { kind: 'ingest_record', offsetId: 2n ** 63n - 1n, record: { kind: 'proto', bytes: new Uint8Array([8, 1, 16, 2]) } },
  { kind: 'ingest_record', offsetId: 5n, record: { kind: 'proto', bytes: new Uint8Array(0) } },
  { kind: 'ingest_record', offsetId: 1n, record: { kind: 'proto', bytes: new Uint8Array(300_000).fill(9) } },
  { kind: 'ingest_record_batch', offsetId: 3n, batch: { kind: 'json', records: ['{"a":1}', '{"a":2}', big(200, 'x'), '日本'] } },
  { kind: 'ingest_record_batch', offsetId: 0n, batch: { kind: 'json', records: [] } },
  // Records whose varint prefix size is known from their UTF-16 length and records where it is not (42 to 126
  // units may take 127 or more bytes), at the 1/2/3-byte prefix boundaries, with emoji, and enough text to
  // grow the encoder's scratch buffer past 64 KiB.
  {
    kind: 'ingest_record_batch',
    offsetId: 7n,
    batch: {
      kind: 'json',
      records: [
        big(42, 'é'), big(43, 'é'), big(63, 'é'), big(64, 'é'), big(127, 'x'), big(128, 'x'), big(126, 'x') + 'é',
        big(42, '日'), big(43, '日'), big(5461, '日'), big(5462, '日'), big(16383, 'x'), big(16384, 'x'),
        big(30, '😀'), big(70_000, 'é'), '',
      ],
    },
  },
  { kind: 'ingest_record_batch', offsetId: 9n, batch: { kind: 'proto', records: [new Uint8Array([1]), new Uint8Array(200).fill(3), new Uint8Array(0)] } },
];

const RESPONSES: EphemeralStreamResponse[] = [
  { kind: 'create_stream_response', streamId: '7f1e2d3c-0000-4000-8000-000000000000' },
  { kind: 'create_stream_response', streamId: '' },
  { kind: 'create_stream_response' },
  { kind: 'ingest_record_response', durabilityAckUpToOffset: 0n },
  { kind: 'ingest_record_response', durabilityAckUpToOffset: 41n },
  { kind: 'ingest_record_response', durabilityAckUpToOffset: 2n ** 62n },
  { kind: 'ingest_record_response' },
  { kind: 'close_stream_signal', durationSeconds: 30 },
  { kind: 'close_stream_signal', durationSeconds: 1.5 },
  { kind: 'close_stream_signal', durationSeconds: 0.25 },
  { kind: 'close_stream_signal', durationSeconds: 0 },
  { kind: 'close_stream_signal' },
];

test('the JSON and PROTO create_stream bytes match the official client capture (client report §2, §7)', () => {
  const json = encodeRequest({ kind: 'create_stream', tableName: TABLE, recordType: RecordType.JSON });
  assert.equal(hex(json), '0a1c0a18' + Buffer.from(TABLE).toString('hex') + '2002');

  const desc = airQualityDescriptor();
  assert.equal(desc.length, 77);
  const proto = encodeRequest({ kind: 'create_stream', tableName: TABLE, descriptorProto: desc, recordType: RecordType.PROTO });
  assert.equal(hex(proto), '0a6b0a18' + Buffer.from(TABLE).toString('hex') + '1a4d' + hex(desc) + '2001');
});

test('every request encodes byte-identically to protobufjs and decodes back to the same value', () => {
  for (const request of REQUESTS) {
    const ours = encodeRequest(request);
    assert.ok(Buffer.isBuffer(ours));
    assert.equal(hex(ours), pbHex(PbRequest, pbRequest(request)), request.kind);
    assert.deepEqual(normalize(decodeRequest(ours)), normalize(request));
    // And what protobufjs writes, we read.
    assert.deepEqual(normalize(decodeRequest(PbRequest.encode(PbRequest.fromObject(pbRequest(request))).finish())), normalize(request));
  }
});

test('every response encodes byte-identically to protobufjs, presence kept for 0 and ""', () => {
  for (const response of RESPONSES) {
    const ours = encodeResponse(response);
    assert.equal(hex(ours), pbHex(PbResponse, pbResponse(response)), JSON.stringify(response, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)));
    assert.deepEqual(decodeResponse(ours), response);
  }
  // The two fields clients require are on the wire even at their zero value.
  assert.equal(hex(encodeResponse({ kind: 'ingest_record_response', durabilityAckUpToOffset: 0n })), '12020800');
  assert.equal(hex(encodeResponse({ kind: 'create_stream_response', streamId: '' })), '0a020a00');
  // A signal with a zero duration still carries the (empty) Duration, unlike one without.
  assert.equal(hex(encodeResponse({ kind: 'close_stream_signal', durationSeconds: 0 })), '1a020a00');
  assert.equal(hex(encodeResponse({ kind: 'close_stream_signal' })), '1a00');
});

/** Comparable form: decoded bytes are Buffer views while test inputs are plain Uint8Arrays. */
function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return `bytes:${hex(value)}`;
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  return value;
}

test('decoded record bytes are views into the received message (zero-copy)', () => {
  const wire = encodeRequest({ kind: 'ingest_record_batch', offsetId: 1n, batch: { kind: 'proto', records: [new Uint8Array([1, 2]), new Uint8Array([3])] } });
  const decoded = decodeRequest(wire);
  assert.equal(decoded.kind, 'ingest_record_batch');
  if (decoded.kind !== 'ingest_record_batch' || decoded.batch.kind !== 'proto') return;
  for (const r of decoded.batch.records) assert.equal(r.buffer, wire.buffer);
  wire[wire.length - 1] = 42;
  assert.equal(decoded.batch.records[1]![0], 42);
});

test('unknown fields are skipped at every level', () => {
  const unknown = (w: ProtoWriter): ProtoWriter =>
    w.tag(99, WireType.VARINT).uint32(7).tag(100, WireType.LENGTH_DELIMITED).string('future').tag(101, WireType.FIXED32).fixed32(1);
  const w = new ProtoWriter();
  unknown(w).tag(2, WireType.LENGTH_DELIMITED).fork();
  unknown(w).tag(1, WireType.VARINT).int64(12n).tag(3, WireType.LENGTH_DELIMITED).string('{"a":1}');
  unknown(w).ldelim();
  unknown(w);
  assert.deepEqual(decodeRequest(w.finish()), { kind: 'ingest_record', offsetId: 12n, record: { kind: 'json', json: '{"a":1}' } });

  const r = new ProtoWriter().tag(2, WireType.LENGTH_DELIMITED).fork();
  unknown(r).tag(1, WireType.VARINT).int64(3n).ldelim();
  assert.deepEqual(decodeResponse(r.finish()), { kind: 'ingest_record_response', durabilityAckUpToOffset: 3n });
});

test('malformed messages raise ProtobufDecodeError', () => {
  const cases: Array<[string, Uint8Array, (b: Uint8Array) => unknown]> = [
    ['empty request', new Uint8Array(0), decodeRequest],
    ['truncated request', encodeRequest(REQUESTS[0]!).subarray(0, 10), decodeRequest],
    ['record without offset', new ProtoWriter().tag(2, WireType.LENGTH_DELIMITED).fork().tag(3, WireType.LENGTH_DELIMITED).string('{}').ldelim().finish(), decodeRequest],
    ['record without payload', new ProtoWriter().tag(2, WireType.LENGTH_DELIMITED).fork().tag(1, WireType.VARINT).uint32(0).ldelim().finish(), decodeRequest],
    ['batch without batch', new ProtoWriter().tag(3, WireType.LENGTH_DELIMITED).fork().tag(1, WireType.VARINT).uint32(0).ldelim().finish(), decodeRequest],
    ['create without table', new ProtoWriter().tag(1, WireType.LENGTH_DELIMITED).fork().tag(4, WireType.VARINT).uint32(2).ldelim().finish(), decodeRequest],
    ['unknown record type', new ProtoWriter().tag(1, WireType.LENGTH_DELIMITED).fork().tag(1, WireType.LENGTH_DELIMITED).string('a.b.c').tag(4, WireType.VARINT).uint32(4).ldelim().finish(), decodeRequest],
    ['payload with wrong wire type', new Uint8Array([0x08, 0x01]), decodeRequest],
    ['empty response', new Uint8Array(0), decodeResponse],
    ['garbage response', new Uint8Array([0xff, 0xff, 0xff]), decodeResponse],
  ];
  for (const [name, bytes, decode] of cases) assert.throws(() => decode(bytes), ProtobufDecodeError, name);
});
