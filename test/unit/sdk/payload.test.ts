import { test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import { MAX_PAYLOAD_BYTES, toWireBatch, toWireRecord } from '../../../src/sdk/payload.js';
import { RecordType } from '../../../src/sdk/options.js';
import { ZerobusError } from '../../../src/sdk/zerobus-error.js';

const AirQuality = protobuf
  .parse('syntax = "proto2"; message AirQuality { optional string device_name = 1; optional int32 temp = 2; }', { keepCase: true })
  .root.lookupType('AirQuality');

const rejects = (fn: () => unknown, message: string): void =>
  assert.throws(fn, (e: unknown) => e instanceof ZerobusError && e.message === message && !e.isRetryable, message);

test('JSON streams take objects (stringified) and strings (verbatim, unvalidated)', () => {
  assert.deepEqual(toWireRecord({ a: 1, b: 'x' }, RecordType.Json), { kind: 'json', json: '{"a":1,"b":"x"}' });
  assert.deepEqual(toWireRecord('not json {', RecordType.Json), { kind: 'json', json: 'not json {' });
  assert.deepEqual(toWireBatch([{ a: 1 }, '{"a":2}'], RecordType.Json), { kind: 'json', records: ['{"a":1}', '{"a":2}'] });
});

test('PROTO streams take bytes as they are and protobufjs messages encoded', () => {
  const bytes = new Uint8Array([8, 1]);
  const record = toWireRecord(bytes, RecordType.Proto);
  assert.equal(record.kind === 'proto' && record.bytes, bytes);
  const message = AirQuality.create({ device_name: 'd', temp: 3 });
  assert.deepEqual(toWireRecord(message, RecordType.Proto), { kind: 'proto', bytes: AirQuality.encode(message).finish() });
  const batch = toWireBatch([message, Buffer.from([1])], RecordType.Proto);
  assert.equal(batch.kind, 'proto');
  assert.equal(batch.records.length, 2);
});

test('a payload of the wrong kind, or a mixed batch, is rejected with the official message', () => {
  const mismatch = 'Invalid argument: Record type does not match stream configuration.';
  rejects(() => toWireRecord(Buffer.from('{}'), RecordType.Json), mismatch);
  rejects(() => toWireRecord(AirQuality.create({}), RecordType.Json), mismatch);
  rejects(() => toWireRecord('{}', RecordType.Proto), mismatch);
  rejects(() => toWireRecord({ plain: true }, RecordType.Proto), mismatch);
  rejects(() => toWireBatch(['{}', Buffer.from('x')], RecordType.Json), mismatch);
  const bad = 'Payload must be a Buffer, string, protobuf message object, or plain JavaScript object';
  rejects(() => toWireRecord(42, RecordType.Json), bad);
  rejects(() => toWireRecord(null, RecordType.Proto), bad);
  rejects(() => toWireRecord(undefined, RecordType.Json), bad);
});

test('one call carries at most 10 MiB - 64 KiB of payload, counted in UTF-8 bytes', () => {
  assert.equal(MAX_PAYLOAD_BYTES, 10_420_224);
  assert.equal(toWireRecord(new Uint8Array(MAX_PAYLOAD_BYTES), RecordType.Proto).kind, 'proto');
  rejects(
    () => toWireRecord(new Uint8Array(11_000_011), RecordType.Proto),
    'Invalid argument: Ingest payload too large: 11000011 bytes exceeds the configured limit of 10420224 bytes.',
  );
  rejects(
    () => toWireBatch([new Uint8Array(6_000_000), new Uint8Array(6_000_000)], RecordType.Proto),
    'Invalid argument: Ingest payload too large: 12000000 bytes exceeds the configured limit of 10420224 bytes.',
  );
  // 3.5 M two-byte characters: 3.5 M UTF-16 units, 7 MB of UTF-8 (under); 5.5 M of them: 11 MB (over).
  assert.equal(toWireRecord('é'.repeat(3_500_000), RecordType.Json).kind, 'json');
  rejects(
    () => toWireRecord('é'.repeat(5_500_000), RecordType.Json),
    'Invalid argument: Ingest payload too large: 11000000 bytes exceeds the configured limit of 10420224 bytes.',
  );
  rejects(
    () => toWireBatch(['x'.repeat(6_000_000), 'y'.repeat(6_000_000)], RecordType.Json),
    'Invalid argument: Ingest payload too large: 12000000 bytes exceeds the configured limit of 10420224 bytes.',
  );
});
