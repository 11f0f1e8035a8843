/**
 * Recovery on real segment files damaged the ways a crash (or a disk) damages them: a torn last frame is cut
 * and the sequence resumes; damage to a frame that later groups were written after stops the open with a
 * message naming the file.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFile, copyFile, mkdtemp, readFile, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { TributaryError } from '../../src/errors.js';
import type { WalSettings } from '../../src/server/config.js';
import { FRAME_HEADER_BYTES } from '../../src/wal/frame.js';
import { TableWal, WAL_ORIGIN, walPosition, type WalFrame } from '../../src/wal/index.js';
import { SEGMENT_HEADER_BYTES, segmentFileName } from '../../src/wal/segment-format.js';

// Recovery reads what is on disk either way; skipping syncs keeps the byte-by-byte loops fast.
const SETTINGS: WalSettings = {
  groupCommitMs: 1,
  groupCommitBytes: 1024 * 1024,
  segmentBytes: 1024 * 1024,
  fsync: false,
};

let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'wal-recovery-'));
  dir = path.join(root, 'wal');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function collect(frames: AsyncIterable<WalFrame>): Promise<WalFrame[]> {
  const all: WalFrame[] = [];
  for await (const frame of frames) all.push(frame);
  return all;
}

/** Writes `payloads` one group each (awaiting every append) and returns each frame's file offset. */
async function writeFrames(payloads: Uint8Array[], settings = SETTINGS): Promise<number[]> {
  const wal = await TableWal.open(dir, settings);
  for (const payload of payloads) await wal.append(payload);
  await wal.close();
  let offset = SEGMENT_HEADER_BYTES;
  return payloads.map((p) => {
    const at = offset;
    offset += FRAME_HEADER_BYTES + p.length;
    return at;
  });
}

const firstSegment = () => path.join(dir, segmentFileName(walPosition(1)));

async function flipByte(file: string, offset: number): Promise<void> {
  const bytes = await readFile(file);
  bytes[offset]! ^= 0x40;
  await writeFile(file, bytes);
}

async function expectIntact(payloads: Uint8Array[]): Promise<TableWal> {
  const wal = await TableWal.open(dir, SETTINGS);
  assert.equal(wal.lastDurable, payloads.length);
  const frames = await collect(wal.replay(WAL_ORIGIN));
  assert.deepEqual(frames.map((f) => Buffer.from(f.payload)), payloads.map((p) => Buffer.from(p)));
  return wal;
}

test('a last frame torn at any byte is cut; earlier frames stay and the sequence resumes', async () => {
  const payloads = [randomBytes(20), randomBytes(31), randomBytes(40)];
  const offsets = await writeFrames(payloads);
  const segment = firstSegment();
  const pristine = await readFile(segment);
  const lastStart = offsets[2]!;
  for (let cut = lastStart; cut < pristine.length; cut++) {
    await writeFile(segment, pristine.subarray(0, cut));
    const wal = await expectIntact(payloads.slice(0, 2));
    assert.equal((await stat(segment)).size, lastStart, `cut at ${cut}: the torn bytes are removed`);
    assert.equal(await wal.append(Buffer.from('again')), 3, `cut at ${cut}`);
    await wal.close();
    await expectIntact([...payloads.slice(0, 2), Buffer.from('again')]).then((w) => w.close());
  }
});

test('a zero-filled tail is cut', async () => {
  const payloads = [randomBytes(50), randomBytes(50)];
  await writeFrames(payloads);
  await appendFile(firstSegment(), Buffer.alloc(8192));
  const wal = await expectIntact(payloads);
  assert.equal(await wal.append(Buffer.from('next')), 3);
  await wal.close();
});

test('a flipped bit anywhere in the last frame cuts that frame', async () => {
  const payloads = [randomBytes(30), randomBytes(30), randomBytes(30)];
  const offsets = await writeFrames(payloads);
  const segment = firstSegment();
  const pristine = await readFile(segment);
  for (let at = offsets[2]!; at < pristine.length; at++) {
    await writeFile(segment, pristine);
    await flipByte(segment, at);
    await expectIntact(payloads.slice(0, 2)).then((w) => w.close());
  }
});

test('a flipped bit in a frame that later groups follow stops the open with a clear error', async () => {
  const payloads = [randomBytes(30), randomBytes(30), randomBytes(30), randomBytes(30)];
  const offsets = await writeFrames(payloads);
  const segment = firstSegment();
  const pristine = await readFile(segment);
  // In the length field, in the sequence number, in the payload.
  for (const at of [offsets[1]! + 4, offsets[1]! + 8, offsets[1]! + FRAME_HEADER_BYTES + 5]) {
    await writeFile(segment, pristine);
    await flipByte(segment, at);
    const damaged = await readFile(segment);
    await assert.rejects(TableWal.open(dir, SETTINGS), (e: TributaryError) => {
      assert.equal(e.kind, 'internal');
      assert.ok(e.message.includes(segment), e.message);
      assert.match(e.message, /frame 2 at byte \d+/);
      assert.match(e.message, /later group/);
      return true;
    });
    assert.deepEqual(await readFile(segment), damaged, 'nothing was cut');
  }
});

test('damage inside the last group is a torn write: the whole rest of the group is cut', async () => {
  const wal = await TableWal.open(dir, SETTINGS);
  await wal.append(Buffer.from('one'));
  const group = await Promise.all(['two', 'three', 'four'].map((s) => wal.append(Buffer.from(s))));
  assert.deepEqual(group, [2, 3, 4]);
  assert.equal(wal.stats().groups, 2);
  await wal.close();
  // Pages of one unsynced write may land in any order: frame 2 damaged while 3 and 4 are intact.
  await flipByte(firstSegment(), SEGMENT_HEADER_BYTES + FRAME_HEADER_BYTES + 3 + FRAME_HEADER_BYTES + 1);
  await expectIntact([Buffer.from('one')]).then((w) => w.close());
});

test('damage in an earlier segment stops the open even at its last frame', async () => {
  const settings = { ...SETTINGS, segmentBytes: 200 };
  const payloads = Array.from({ length: 6 }, () => randomBytes(60)); // two frames per segment
  await writeFrames(payloads, settings);
  const segment = firstSegment();
  await flipByte(segment, (await stat(segment)).size - 1);
  await assert.rejects(
    TableWal.open(dir, settings),
    /is damaged: frame 2 at byte \d+: checksum mismatch, and later segments follow/,
  );
});

test('a last segment with a torn header is reset and appends continue in it', async () => {
  const settings = { ...SETTINGS, segmentBytes: 100 };
  const payloads = [randomBytes(100), randomBytes(100)];
  await writeFrames(payloads, settings);
  // The crash hit while segment 3 was being created: only part of its header reached the disk.
  const torn = path.join(dir, segmentFileName(walPosition(3)));
  const header = (await readFile(path.join(dir, segmentFileName(walPosition(2))))).subarray(0, SEGMENT_HEADER_BYTES);
  for (const partial of [Buffer.alloc(0), header.subarray(0, 20), Buffer.alloc(SEGMENT_HEADER_BYTES + 100)]) {
    await writeFile(torn, partial);
    const wal = await expectIntact(payloads);
    assert.equal(wal.firstRetained, 1);
    assert.equal(await wal.append(Buffer.from('third')), 3);
    await wal.close();
    await expectIntact([...payloads, Buffer.from('third')]).then((w) => w.close());
    await truncate(torn, 0);
  }
});

test('a missing segment, a foreign segment, and a lost wal.json are refused', async () => {
  const settings = { ...SETTINGS, segmentBytes: 100 };
  await writeFrames([randomBytes(100), randomBytes(100), randomBytes(100)], settings);
  const second = path.join(dir, segmentFileName(walPosition(2)));
  const saved = await readFile(second);

  await unlink(second);
  await assert.rejects(TableWal.open(dir, settings), /frames 2\.\.2 are missing/);

  const otherDir = path.join(root, 'other');
  const other = await TableWal.open(otherDir, settings);
  await other.append(randomBytes(100));
  await other.append(randomBytes(100));
  await other.close();
  await copyFile(path.join(otherDir, segmentFileName(walPosition(2))), second);
  await assert.rejects(TableWal.open(dir, settings), /segment belongs to WAL [0-9a-f-]{36}, not/);

  await writeFile(second, saved);
  await (await TableWal.open(dir, settings)).close();
  await unlink(path.join(dir, 'wal.json'));
  await assert.rejects(TableWal.open(dir, settings), /no wal\.json; refusing to invent a new WAL id/);
});
