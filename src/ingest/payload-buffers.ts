/**
 * Shared memory for WAL payloads, reused once a payload's rows are in a Delta commit.
 *
 * Every acked batch is encoded into a `SharedArrayBuffer` (so the Parquet worker can read it without a
 * copy), about as many bytes as the server receives. Fresh ones wait in memory for the GC to notice them
 * garbage, and the kernel zeroes each of their pages on first touch. Buffers handed back by the
 * materializer serve later payloads of about the same size instead.
 */

/** A new buffer's size is rounded up to this, so that slightly larger payloads fit it later. */
const GRANULE = 64 * 1024;

export class PayloadBuffers {
  private readonly free: SharedArrayBuffer[] = [];
  private freeBytes = 0;

  /** @param maxFreeBytes buffers kept for reuse, at most; what is handed back beyond it is left to the GC. */
  constructor(private readonly maxFreeBytes: number) {}

  /**
   * `length` bytes in shared memory: the smallest kept buffer that fits and is at most an eighth (or one
   * rounding) larger, or a new one. The view's bytes are not zeroed.
   */
  take(length: number): Uint8Array {
    let best = -1;
    let bestSize = Infinity;
    const rounded = Math.max(1, Math.ceil(length / GRANULE)) * GRANULE;
    const limit = Math.max(length + (length >>> 3), rounded);
    for (let i = 0; i < this.free.length; i++) {
      const size = this.free[i]!.byteLength;
      if (size >= length && size <= limit && size < bestSize) {
        best = i;
        bestSize = size;
      }
    }
    if (best < 0) return new Uint8Array(new SharedArrayBuffer(rounded), 0, length);
    const [buffer] = this.free.splice(best, 1);
    this.freeBytes -= bestSize;
    return new Uint8Array(buffer!, 0, length);
  }

  /**
   * Hands back a payload from {@link take}. The caller guarantees nothing reads or writes it any more: the
   * next {@link take} may overwrite it. Views of other memory are ignored.
   */
  give(payload: Uint8Array): void {
    const buffer = payload.buffer;
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength % GRANULE !== 0) return;
    if (this.freeBytes + buffer.byteLength > this.maxFreeBytes || this.free.includes(buffer)) return;
    this.free.push(buffer);
    this.freeBytes += buffer.byteLength;
  }

  /** Bytes kept for reuse. */
  get keptBytes(): number {
    return this.freeBytes;
  }
}
