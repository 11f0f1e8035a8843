/**
 * From input records to payloads and back from errors to lines: format selection, local checks with the
 * server's rules, protobuf encoding, and server record errors (in the exact form the server and SDK write
 * them) mapped to the input line.
 */
import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import { describe, test } from 'node:test';
import protobuf from 'protobufjs';
import { FormatError, resolveFormat } from '../../../src/cli/ingest-source/format.js';
import { OffsetLines, parseRecordError } from '../../../src/cli/ingest-source/line-locator.js';
import { jsonRecordEncoder, protoRecordEncoder } from '../../../src/cli/ingest-source/record-encoder.js';
import { SourceError } from '../../../src/cli/ingest-source/source-error.js';
import { generateProto, type GeneratorColumn } from '../../../src/cli/proto-gen/generate.js';
import { parseTypeText, type Column } from '../../../src/catalog/types.js';
import { FieldProblem, malformedRecord, recordError } from '../../../src/ingest/record-error.js';
import { describeStatus } from '../../../src/sdk/zerobus-error.js';

const TABLE: GeneratorColumn[] = [
  { name: 'device_name', type_text: 'string', nullable: false },
  { name: 'temp', type_text: 'int', nullable: true },
  { name: 'big', type_text: 'bigint', nullable: true },
  { name: 'loc', type_text: 'struct<lat:double,lon:double>', nullable: true },
  { name: 'attrs', type_text: 'map<string,int>', nullable: true },
];
const COLUMNS: Column[] = TABLE.map((c, position) => ({ name: c.name, type: parseTypeText(c.type_text), nullable: c.nullable, position }));

function sourceError(fn: () => unknown): SourceError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SourceError, String(e));
    return e;
  }
  assert.fail('expected a SourceError');
}

describe('resolveFormat', () => {
  test('by extension, by flag, and protobuf when --proto is given', () => {
    assert.deepEqual(resolveFormat('a.jsonl', undefined, undefined), { input: 'jsonl', records: 'json' });
    assert.deepEqual(resolveFormat('A.NDJSON', undefined, undefined), { input: 'jsonl', records: 'json' });
    assert.deepEqual(resolveFormat('a.csv', undefined, undefined), { input: 'csv', records: 'json' });
    assert.deepEqual(resolveFormat('-', undefined, undefined), { input: 'jsonl', records: 'json' });
    assert.deepEqual(resolveFormat('data.txt', 'csv', undefined), { input: 'csv', records: 'json' });
    assert.deepEqual(resolveFormat('a.jsonl', 'proto', 'x.proto'), { input: 'jsonl', records: 'proto' });
    assert.deepEqual(resolveFormat('a.jsonl', undefined, 'x.proto'), { input: 'jsonl', records: 'proto' });
    assert.deepEqual(resolveFormat('a.csv', undefined, 'x.proto'), { input: 'csv', records: 'proto' });
  });

  test('contradictions and unknown names are refused with the fix', () => {
    assert.throws(() => resolveFormat('a.jsonl', 'proto', undefined), (e: unknown) => e instanceof FormatError && /--format proto needs --proto/.test(e.message));
    assert.throws(() => resolveFormat('a.jsonl', 'json', 'x.proto'), /use --format proto/);
    assert.throws(() => resolveFormat('a.jsonl', 'xml', undefined), /unknown --format "xml"/);
    assert.throws(() => resolveFormat('data.txt', undefined, undefined), /cannot tell the format of data\.txt/);
  });
});

describe('jsonRecordEncoder', () => {
  test('valid records are sent as their text', () => {
    const encoder = jsonRecordEncoder(COLUMNS);
    const text = '{"device_name":"d","temp":5,"loc":{"lat":1}}';
    assert.equal(encoder.encode(text, 3), text);
  });

  test('records the server would refuse are refused with the line and field, before sending', () => {
    const encoder = jsonRecordEncoder(COLUMNS);
    const wrongType = sourceError(() => encoder.encode('{"device_name":"d","temp":"hot"}', 7));
    assert.equal(wrongType.line, 7);
    assert.match(wrongType.message, /^line 7: field temp: expected INT .*got the string "hot"$/);
    assert.match(sourceError(() => encoder.encode('{"temp":1}', 8)).message, /^line 8: field device_name: /);
    assert.match(sourceError(() => encoder.encode('{"device_name":"d","colour":1}', 9)).message, /^line 9: .*colour/);
    assert.match(sourceError(() => encoder.encode('{"device_name":', 10)).message, /^line 10: not valid JSON/);
  });

  test('without local validation the text goes out unchecked (the server checks it)', () => {
    assert.equal(jsonRecordEncoder(COLUMNS, false).encode('{"temp":"hot"}', 1), '{"temp":"hot"}');
  });

  test('many records reuse the validation scratch space', () => {
    const encoder = jsonRecordEncoder(COLUMNS);
    for (let i = 0; i < 5000; i++) encoder.encode(`{"device_name":"d${i}","temp":${i}}`, i + 1);
  });
});

describe('protoRecordEncoder', () => {
  const type = protobuf.parse(generateProto({ name: 't', columns: TABLE }), { keepCase: true }).root.lookupType('t');

  test('encodes the record as the message, exact for BIGINT beyond 2^53', () => {
    const bytes = protoRecordEncoder(COLUMNS, type).encode(
      '{"device_name":"d","temp":-3,"big":"9223372036854775807","loc":{"lat":1.5},"attrs":{"k":2}}',
      1,
    ) as Uint8Array;
    const decoded = type.toObject(type.decode(bytes), { longs: String }) as Record<string, unknown>;
    assert.deepEqual(decoded, { device_name: 'd', temp: -3, big: '9223372036854775807', loc: { lat: 1.5 }, attrs: { k: 2 } });
  });

  test('a key the message has no field for is refused rather than dropped', () => {
    const narrow = protobuf.parse('syntax = "proto2"; message t { required string device_name = 1; }', { keepCase: true }).root.lookupType('t');
    const e = sourceError(() => protoRecordEncoder(COLUMNS, narrow).encode('{"device_name":"d","temp":1}', 4));
    assert.match(e.message, /^line 4: field temp has no field in message t of the \.proto file$/);
  });

  test('unknown keys inside nested messages are found too', () => {
    const e = sourceError(() => protoRecordEncoder(COLUMNS, type, false).encode('{"device_name":"d","loc":{"lat":1,"alt":2}}', 2));
    assert.match(e.message, /field loc\.alt has no field/);
  });
});

describe('server record errors back to lines', () => {
  const problem = (): FieldProblem => new FieldProblem('expected INT, got the string "hot"').within('temp');

  test('a batch record error, as the SDK renders the server status', () => {
    const server = recordError(problem(), 5n, 3).message;
    const sdkMessage = `Failed to flush stream: Stream is closed: ${describeStatus(Status.INVALID_ARGUMENT, server)}`;
    assert.deepEqual(parseRecordError(sdkMessage), { offset: 5n, index: 3, detail: 'field temp: expected INT, got the string "hot"' });
  });

  test('a single-record error and a malformed record', () => {
    assert.deepEqual(parseRecordError(recordError(problem(), 2n).message), {
      offset: 2n,
      detail: 'field temp: expected INT, got the string "hot"',
    });
    assert.deepEqual(parseRecordError(malformedRecord(9n, 0, 'not valid JSON (x)').message), {
      offset: 9n,
      index: 0,
      detail: 'not valid JSON (x)',
    });
  });

  test('errors about no record have no position', () => {
    assert.equal(parseRecordError('Failed to create stream: table not found'), undefined);
  });

  test('OffsetLines maps offset and index to the line, and forgets acknowledged offsets', () => {
    const lines = new OffsetLines();
    lines.record(0n, [1, 2, 4]);
    lines.record(1n, [5, 9]);
    lines.record(2n, [10]);
    assert.equal(lines.lineOf(0n, 2), 4);
    assert.equal(lines.lineOf(1n, 1), 9);
    assert.equal(lines.lineOf(2n), 10);
    lines.forget(1n);
    assert.equal(lines.lineOf(0n, 0), undefined);
    assert.equal(lines.lineOf(1n, 0), undefined);
    assert.equal(lines.lineOf(2n), 10);
  });
});
