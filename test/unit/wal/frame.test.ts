import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import {
  FRAME_HEADER_BYTES,
  MAX_FRAME_PAYLOAD_BYTES,
  decodeFrame,
  encodeFrameHeader,
  findLaterGroupFrame,
  type FrameFields,
} from '../../../src/wal/frame.js';
import { walPosition } from '../../../src/wal/position.js';

const SEED = 0x5eed1234;

function frameBytes(fields: FrameFields, payload: Uint8Array, seed = SEED): Buffer {
  return Buffer.concat([encodeFrameHeader(fields, payload, seed), payload]);
}

function fields(seq: number, groupIndex = 0, rowCount = 0): FrameFields {
  return { seq: walPosition(seq), rowCount, groupIndex };
}

test('a frame round-trips, with its payload as a view into the input', () => {
  const payload = randomBytes(100);
  const bytes = Buffer.concat([Buffer.from('junk'), frameBytes(fields(7, 3, 42), payload)]);
  const decoded = decodeFrame(bytes, 4, SEED);
  assert.equal(decoded.kind, 'frame');
  if (decoded.kind !== 'frame') return;
  assert.equal(decoded.bytes, FRAME_HEADER_BYTES + 100);
  assert.equal(decoded.frame.seq, 7);
  assert.equal(decoded.frame.groupIndex, 3);
  assert.equal(decoded.frame.rowCount, 42);
  assert.deepEqual(Buffer.from(decoded.frame.payload), payload);
  assert.equal(decoded.frame.payload.buffer, bytes.buffer);
});

test('sequence numbers above 2^32 and empty payloads round-trip', () => {
  const seq = 2 ** 40 + 5;
  const decoded = decodeFrame(frameBytes(fields(seq), new Uint8Array(0)), 0, SEED);
  assert.equal(decoded.kind === 'frame' && decoded.frame.seq, seq);
});

test('every single-bit flip is detected', () => {
  const bytes = frameBytes(fields(9, 1, 5), randomBytes(40));
  for (let bit = 0; bit < bytes.length * 8; bit++) {
    const damaged = Buffer.from(bytes);
    damaged[bit >> 3]! ^= 1 << (bit & 7);
    assert.notEqual(decodeFrame(damaged, 0, SEED).kind, 'frame', `bit ${bit}`);
  }
});

test('a truncated frame asks for the bytes it is missing', () => {
  const bytes = frameBytes(fields(1), randomBytes(50));
  for (let length = 0; length < bytes.length; length++) {
    const decoded = decodeFrame(bytes.subarray(0, length), 0, SEED);
    const needed = length < FRAME_HEADER_BYTES ? FRAME_HEADER_BYTES : bytes.length;
    assert.deepEqual(decoded, { kind: 'short', needed });
  }
});

test('zeros, another seed, and an implausible length are not frames', () => {
  assert.deepEqual(decodeFrame(new Uint8Array(64), 0, SEED), { kind: 'corrupt', reason: 'checksum mismatch' });
  assert.equal(decodeFrame(frameBytes(fields(1), randomBytes(8)), 0, SEED + 1).kind, 'corrupt');
  const huge = frameBytes(fields(1), randomBytes(8));
  huge.writeUInt32LE(MAX_FRAME_PAYLOAD_BYTES + 1, 4);
  assert.equal(decodeFrame(huge, 0, SEED).kind, 'corrupt');
});

test('header fields out of range are refused at encoding', () => {
  assert.throws(() => encodeFrameHeader(fields(1, 0, -1), new Uint8Array(0), SEED), RangeError);
  assert.throws(() => encodeFrameHeader(fields(1, 2 ** 32), new Uint8Array(0), SEED), RangeError);
});

test('findLaterGroupFrame reports an intact frame of a later group only', () => {
  // Group A = frames 1..3, group B = frames 4..5.
  const frames = [fields(1, 0), fields(2, 1), fields(3, 2), fields(4, 0), fields(5, 1)].map((f) =>
    frameBytes(f, randomBytes(30)),
  );
  const offsetOf = (index: number) => frames.slice(0, index).reduce((n, f) => n + f.length, 0);
  const all = Buffer.concat(frames);
  const damageAt = (index: number) => {
    const copy = Buffer.from(all);
    copy[offsetOf(index) + FRAME_HEADER_BYTES + 3]! ^= 0xff;
    return copy.subarray(offsetOf(index));
  };
  // Frame 2 damaged: frame 3 is its own group's, frame 4 starts group B, so frame 2 had been synced.
  assert.equal(findLaterGroupFrame(damageAt(1), walPosition(2), SEED)?.seq, 4);
  // Frame 4 damaged: only frames of its own (last) group follow, so this may be a torn write.
  assert.equal(findLaterGroupFrame(damageAt(3), walPosition(4), SEED), undefined);
  // The damaged frame's length is not trusted: a frame of group B is found even if frame 2's length is wrong.
  const badLength = Buffer.from(damageAt(1));
  badLength.writeUInt32LE(7, 4);
  assert.equal(findLaterGroupFrame(badLength, walPosition(2), SEED)?.seq, 4);
});

test('findLaterGroupFrame does not take frame-shaped payload bytes for a frame', () => {
  // User data can embed bytes shaped like a frame of a later group; without the WAL's secret seed their
  // checksum cannot match.
  const tailEmbedding = (seed: number) =>
    Buffer.concat([Buffer.alloc(10), frameBytes(fields(3, 1), frameBytes(fields(3, 0), randomBytes(10), seed))]);
  assert.equal(findLaterGroupFrame(tailEmbedding(0), walPosition(2), SEED), undefined);
  assert.equal(findLaterGroupFrame(tailEmbedding(SEED), walPosition(2), SEED)?.seq, 3, 'with the seed it would match');
});
