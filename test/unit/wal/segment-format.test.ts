import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { walPosition } from '../../../src/wal/position.js';
import {
  SEGMENT_HEADER_BYTES,
  decodeSegmentHeader,
  encodeSegmentHeader,
  parseSegmentFileName,
  segmentFileName,
} from '../../../src/wal/segment-format.js';

test('segment file names are 20 digits and sort in sequence order', () => {
  assert.equal(segmentFileName(walPosition(1)), '00000000000000000001.wal');
  assert.equal(parseSegmentFileName('00000000000000000001.wal'), 1);
  assert.equal(parseSegmentFileName(segmentFileName(walPosition(2 ** 50))), 2 ** 50);
  assert.equal(parseSegmentFileName('00000000000000000000.wal'), undefined);
  assert.equal(parseSegmentFileName('1.wal'), undefined);
  assert.equal(parseSegmentFileName('wal.json'), undefined);
  assert.equal(parseSegmentFileName('99999999999999999999.wal'), undefined, 'beyond a safe integer');
  const names = [10, 9, 100, 1].map((n) => segmentFileName(walPosition(n)));
  assert.deepEqual(names.sort().map(parseSegmentFileName), [1, 9, 10, 100]);
});

test('a header round-trips', () => {
  const header = { firstSeq: walPosition(2 ** 33 + 1), walId: randomUUID() };
  const bytes = encodeSegmentHeader(header);
  assert.equal(bytes.length, SEGMENT_HEADER_BYTES);
  assert.deepEqual(decodeSegmentHeader(bytes), { kind: 'valid', header });
});

test('an interrupted header is torn; anything else that fails is foreign', () => {
  const bytes = Buffer.from(encodeSegmentHeader({ firstSeq: walPosition(5), walId: randomUUID() }));
  for (let length = 0; length < SEGMENT_HEADER_BYTES; length++) {
    assert.equal(decodeSegmentHeader(bytes.subarray(0, length)).kind, 'torn');
  }
  assert.equal(decodeSegmentHeader(new Uint8Array(SEGMENT_HEADER_BYTES)).kind, 'torn');
  const flipped = Buffer.from(bytes);
  flipped[20]! ^= 1;
  assert.equal(decodeSegmentHeader(flipped).kind, 'torn');
  assert.equal(decodeSegmentHeader(Buffer.alloc(SEGMENT_HEADER_BYTES, 'x')).kind, 'foreign');
});
