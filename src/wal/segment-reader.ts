/**
 * Sequential reading of the frames of one segment file, in chunks, for recovery and replay.
 */
import type { FileHandle } from 'node:fs/promises';
import { decodeFrame, type StoredFrame } from './frame.js';
import type { WalPosition } from './position.js';

/** Read granularity: large enough that a syscall moves a lot of data, small enough to keep memory flat. */
const CHUNK_BYTES = 1024 * 1024;

/** One step of a segment scan: the next frame in sequence, or the place where the frames stop making sense. */
export type ScanEvent =
  | { readonly kind: 'frame'; readonly frame: StoredFrame; readonly offset: number }
  | { readonly kind: 'bad'; readonly offset: number; readonly reason: string };

export interface ScanRange {
  /** File offset of the first frame. */
  readonly start: number;
  /** File offset the frames end at (the file size, or the durable size of the active segment). */
  readonly end: number;
  /** Sequence number the first frame must carry; each next frame carries one more. */
  readonly firstSeq: WalPosition;
  readonly seed: number;
}

/**
 * Yields the frames of `[start, end)` in order and stops after the first bad one (a frame that is truncated,
 * fails its checksum, or is out of sequence). Payloads are views into freshly read chunks, so a caller may
 * keep them after the scan moves on.
 */
export async function* scanFrames(file: FileHandle, range: ScanRange): AsyncGenerator<ScanEvent> {
  let chunk: Uint8Array = new Uint8Array(0);
  let chunkStart = range.start;
  let cursor = 0;
  let expected: number = range.firstSeq;
  while (chunkStart + cursor < range.end) {
    const offset = chunkStart + cursor;
    const decoded = decodeFrame(chunk, cursor, range.seed);
    if (decoded.kind === 'frame') {
      if (decoded.frame.seq !== expected) {
        yield { kind: 'bad', offset, reason: `expected frame ${expected}, found frame ${decoded.frame.seq}` };
        return;
      }
      yield { kind: 'frame', frame: decoded.frame, offset };
      cursor += decoded.bytes;
      expected++;
    } else if (decoded.kind === 'corrupt') {
      yield { kind: 'bad', offset, reason: decoded.reason };
      return;
    } else {
      const remaining = range.end - offset;
      if (decoded.needed > remaining) {
        yield { kind: 'bad', offset, reason: `truncated frame (${remaining} of ${decoded.needed} bytes present)` };
        return;
      }
      // Read a chunk beyond what this frame needs, so frames larger than a chunk still cost one read each.
      const next = Buffer.allocUnsafe(Math.min(decoded.needed + CHUNK_BYTES, remaining));
      const carried = chunk.length - cursor;
      next.set(chunk.subarray(cursor));
      await readExactly(file, next.subarray(carried), offset + carried);
      chunk = next;
      chunkStart = offset;
      cursor = 0;
    }
  }
}

/** Fills `target` from `position` on; a file shorter than expected is an error, not a short read. */
export async function readExactly(file: FileHandle, target: Uint8Array, position: number): Promise<void> {
  let filled = 0;
  while (filled < target.length) {
    const { bytesRead } = await file.read(target, filled, target.length - filled, position + filled);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + filled}`);
    filled += bytesRead;
  }
}
