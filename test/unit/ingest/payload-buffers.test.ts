/**
 * Payload memory reuse: a buffer handed back serves a later payload of about its size, and only once;
 * nothing beyond the kept bound, and no memory it did not give out, is kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PayloadBuffers } from '../../../src/ingest/payload-buffers.js';

test('a payload handed back serves the next one of about its size, once', () => {
  const buffers = new PayloadBuffers(1 << 20);
  const first = buffers.take(100_000);
  assert.ok(first.buffer instanceof SharedArrayBuffer);
  assert.equal(first.byteLength, 100_000);
  buffers.give(first);
  buffers.give(first);
  assert.equal(buffers.keptBytes, first.buffer.byteLength, 'handed back twice, kept once');
  const second = buffers.take(110_000);
  assert.equal(second.buffer, first.buffer, 'reused');
  assert.equal(second.byteLength, 110_000);
  assert.notEqual(buffers.take(110_000).buffer, first.buffer, 'given out once only');
});

test('takes the smallest kept buffer that fits, and none more than an eighth too large', () => {
  const buffers = new PayloadBuffers(16 << 20);
  const small = buffers.take(1 << 20);
  const large = buffers.take(4 << 20);
  buffers.give(large);
  buffers.give(small);
  assert.notEqual(buffers.take(2 << 20).buffer, large.buffer, 'twice the size is too large');
  assert.notEqual(buffers.take(1 << 19).buffer, small.buffer, 'twice the size is too large');
  assert.equal(buffers.take((1 << 20) - 1000).buffer, small.buffer);
  assert.equal(buffers.take(4 << 20).buffer, large.buffer);
  assert.equal(buffers.keptBytes, 0);
});

test('keeps no more than its bound, and ignores memory it did not give out', () => {
  const buffers = new PayloadBuffers(3 << 20);
  const payloads = [buffers.take(1 << 20), buffers.take(1 << 20), buffers.take(1 << 20), buffers.take(1 << 20)];
  for (const p of payloads) buffers.give(p);
  assert.equal(buffers.keptBytes, 3 << 20);
  const kept = new PayloadBuffers(64 << 20);
  kept.give(new Uint8Array(1 << 20));
  kept.give(new Uint8Array(new SharedArrayBuffer(1000)));
  assert.equal(kept.keptBytes, 0);
});
