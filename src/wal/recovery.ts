/**
 * Opening a WAL directory after a clean shutdown or a crash: checks every segment, cuts a torn tail, and
 * refuses to start on damage that could lose acknowledged frames.
 *
 * What a crash can leave behind, given that a group is acknowledged only after its write and fdatasync, and
 * a new segment is created (header and first group in one write) only after the previous group was synced:
 * - a last segment whose last group is partly on disk (pages of an unsynced write land in any order, or as
 *   zeros): cut at the first bad frame, unless an intact frame of a later group follows (then it was not torn);
 * - a last segment with a torn header: it holds no acknowledged frame; it is reset to an empty segment, keeping
 *   its name so the sequence resumes where the previous segment ended.
 * Anything else that does not check out (a bad frame in an earlier segment, a gap in the sequence, a foreign
 * segment) is an error that stops startup with the file and byte named.
 */
import { open, readdir, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { TributaryError } from '../errors.js';
import type { DurabilityOps } from './durability.js';
import { findLaterGroupFrame } from './frame.js';
import type { WalPosition } from './position.js';
import { readExactly, scanFrames } from './segment-reader.js';
import {
  SEGMENT_HEADER_BYTES,
  decodeSegmentHeader,
  encodeSegmentHeader,
  parseSegmentFileName,
} from './segment-format.js';
import type { WalIdentity } from './wal-identity.js';

/** A segment on disk; `size` is where its durable frames end (for the active segment, it grows). */
export interface SegmentRecord {
  readonly path: string;
  readonly firstSeq: WalPosition;
  size: number;
}

export interface RecoveredLog {
  /** Oldest first; the last one is where appends continue. */
  readonly segments: SegmentRecord[];
  /** The last intact frame, or `firstSeq - 1` of the only segment, or 0 for an empty WAL. */
  readonly lastSeq: WalPosition;
}

/** Lists `dir`'s segments in sequence order. */
export async function listSegments(dir: string): Promise<{ path: string; firstSeq: WalPosition }[]> {
  const found: { path: string; firstSeq: WalPosition }[] = [];
  for (const name of await readdir(dir)) {
    const firstSeq = parseSegmentFileName(name);
    if (firstSeq !== undefined) found.push({ path: path.join(dir, name), firstSeq });
  }
  return found.sort((a, b) => a.firstSeq - b.firstSeq);
}

/** Checks and repairs the segments of `dir` (see the module comment); makes every repair durable. */
export async function recoverSegments(
  dir: string,
  identity: WalIdentity,
  durability: DurabilityOps,
): Promise<RecoveredLog> {
  const listed = await listSegments(dir);
  const segments: SegmentRecord[] = [];
  let lastSeq = 0;
  for (const [index, { path: file, firstSeq }] of listed.entries()) {
    const isLast = index === listed.length - 1;
    if (index > 0 && firstSeq !== lastSeq + 1) {
      const missing = `frames ${lastSeq + 1}..${firstSeq - 1} are missing`;
      throw corruption(file, `${missing} (the previous segment ends at ${lastSeq})`);
    }
    const handle = await open(file, isLast ? 'r+' : 'r');
    try {
      const record = await recoverSegment(handle, file, firstSeq, isLast, identity, durability);
      segments.push(record.segment);
      lastSeq = record.lastSeq;
    } finally {
      await handle.close();
    }
  }
  return { segments, lastSeq: lastSeq as WalPosition };
}

async function recoverSegment(
  handle: FileHandle,
  file: string,
  firstSeq: WalPosition,
  isLast: boolean,
  identity: WalIdentity,
  durability: DurabilityOps,
): Promise<{ segment: SegmentRecord; lastSeq: number }> {
  const { size } = await handle.stat();
  const headerBytes = new Uint8Array(Math.min(size, SEGMENT_HEADER_BYTES));
  await readExactly(handle, headerBytes, 0);
  const header = decodeSegmentHeader(headerBytes);
  if (header.kind === 'torn' && isLast) {
    await handle.truncate(0);
    await handle.write(encodeSegmentHeader({ firstSeq, walId: identity.walId }), 0, SEGMENT_HEADER_BYTES, 0);
    await durability.syncData(handle);
    return { segment: { path: file, firstSeq, size: SEGMENT_HEADER_BYTES }, lastSeq: firstSeq - 1 };
  }
  if (header.kind !== 'valid') throw corruption(file, `segment header: ${header.reason}`);
  if (header.header.firstSeq !== firstSeq) {
    throw corruption(file, `header says the first frame is ${header.header.firstSeq}, the file name says ${firstSeq}`);
  }
  if (header.header.walId !== identity.walId) {
    throw corruption(file, `segment belongs to WAL ${header.header.walId}, not ${identity.walId}`);
  }

  let lastSeq = firstSeq - 1;
  const range = { start: SEGMENT_HEADER_BYTES, end: size, firstSeq, seed: identity.checksumSeed };
  for await (const event of scanFrames(handle, range)) {
    if (event.kind === 'frame') {
      lastSeq = event.frame.seq;
      continue;
    }
    const expected = (lastSeq + 1) as WalPosition;
    const where = `frame ${expected} at byte ${event.offset}: ${event.reason}`;
    if (!isLast) throw corruption(file, `${where}, and later segments follow`);
    const rest = new Uint8Array(size - event.offset);
    await readExactly(handle, rest, event.offset);
    const later = findLaterGroupFrame(rest, expected, identity.checksumSeed);
    if (later !== undefined) {
      throw corruption(file, `${where}, yet frame ${later.seq}, written by a later group, follows it intact`);
    }
    await cutTo(handle, event.offset, durability);
    return { segment: { path: file, firstSeq, size: event.offset }, lastSeq };
  }
  return { segment: { path: file, firstSeq, size }, lastSeq };
}

async function cutTo(handle: FileHandle, size: number, durability: DurabilityOps): Promise<void> {
  await handle.truncate(size);
  await durability.syncData(handle);
}

function corruption(file: string, detail: string): TributaryError {
  return new TributaryError(
    'internal',
    `WAL segment ${file} is damaged: ${detail}. Acknowledged records may be affected, so the WAL will not open; ` +
      `restore the file, or move it aside deliberately after checking what the Delta table already holds.`,
  );
}
