import assert from 'node:assert/strict';
import { constants } from 'node:http2';
import { describe, it } from 'node:test';
import { Status, parseStatus } from '../../../src/protocol/grpc-status.js';
import {
  FramingError,
  MAX_RESPONSE_MESSAGE_BYTES,
  MessageReader,
  decodeStatusMessage,
  messagePrefix,
  statusFromHttp,
  statusFromReset,
} from '../../../src/sdk/grpc-framing.js';

const frame = (message: Buffer): Buffer => Buffer.concat([messagePrefix(message.length), message]);

function readAll(reader: MessageReader, chunks: Buffer[]): string[] {
  const out: string[] = [];
  for (const chunk of chunks) reader.push(chunk, (m) => out.push(m.toString()));
  return out;
}

describe('gRPC message framing', () => {
  it('prefixes a message with a zero flag and its big-endian length', () => {
    assert.deepEqual([...messagePrefix(0x010203)], [0, 0, 1, 2, 3]);
  });

  it('reads messages however the body is cut into chunks', () => {
    const messages = ['', 'a', 'hello', 'x'.repeat(70_000)];
    const body = Buffer.concat(messages.map((m) => frame(Buffer.from(m))));
    for (const cut of [1, 2, 4, 5, 6, 7, 1000, body.length]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < body.length; at += cut) chunks.push(body.subarray(at, at + cut));
      const reader = new MessageReader();
      assert.deepEqual(readAll(reader, chunks), messages, `chunks of ${cut}`);
      assert.equal(reader.pendingBytes, 0);
    }
  });

  it('holds back an unfinished message', () => {
    const reader = new MessageReader();
    assert.deepEqual(readAll(reader, [frame(Buffer.from('done')), frame(Buffer.from('partial')).subarray(0, 8)]), ['done']);
    assert.equal(reader.pendingBytes, 8);
  });

  it('refuses compressed messages and messages over the receive limit', () => {
    const compressed = frame(Buffer.from('z'));
    compressed[0] = 1;
    assert.throws(() => new MessageReader().push(compressed, () => assert.fail()), (e: FramingError) => e.code === Status.INTERNAL);
    const huge = messagePrefix(MAX_RESPONSE_MESSAGE_BYTES + 1);
    assert.throws(() => new MessageReader().push(huge, () => assert.fail()), (e: FramingError) => e.code === Status.RESOURCE_EXHAUSTED);
  });

  it('reads grpc-status and percent-encoded grpc-message', () => {
    assert.equal(parseStatus('0'), Status.OK);
    assert.equal(parseStatus('16'), Status.UNAUTHENTICATED);
    for (const bad of ['17', '-1', '1.5', '', 'abc', undefined]) assert.equal(parseStatus(bad), Status.UNKNOWN, String(bad));
    assert.equal(decodeStatusMessage('table%20not%20found%3A%20%E2%82%AC'), 'table not found: €');
    assert.equal(decodeStatusMessage('100%'), '100%');
    assert.equal(decodeStatusMessage(undefined), '');
  });

  it('maps HTTP statuses and stream resets as the gRPC spec does', () => {
    assert.equal(statusFromHttp(401), Status.UNAUTHENTICATED);
    assert.equal(statusFromHttp(403), Status.PERMISSION_DENIED);
    assert.equal(statusFromHttp(404), Status.UNIMPLEMENTED);
    for (const code of [429, 502, 503, 504]) assert.equal(statusFromHttp(code), Status.UNAVAILABLE);
    assert.equal(statusFromHttp(400), Status.INTERNAL);
    assert.equal(statusFromHttp(500), Status.UNKNOWN);
    assert.equal(statusFromReset(constants.NGHTTP2_REFUSED_STREAM), Status.UNAVAILABLE);
    assert.equal(statusFromReset(constants.NGHTTP2_CANCEL), Status.CANCELLED);
    assert.equal(statusFromReset(constants.NGHTTP2_ENHANCE_YOUR_CALM), Status.RESOURCE_EXHAUSTED);
    assert.equal(statusFromReset(constants.NGHTTP2_INADEQUATE_SECURITY), Status.PERMISSION_DENIED);
    assert.equal(statusFromReset(constants.NGHTTP2_PROTOCOL_ERROR), Status.INTERNAL);
  });
});
