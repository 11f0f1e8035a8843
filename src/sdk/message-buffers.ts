/**
 * Memory for a stream's outgoing batch messages, reused once HTTP/2 has written them.
 *
 * A batch message is hundreds of kilobytes of memory outside V8's heap. Allocated fresh for every batch,
 * it made V8 run a full collection every few dozen milliseconds at full speed ("external memory
 * pressure"). A stream writes one message and then waits for `drain`, so one or two buffers serve it.
 */

/** Smaller messages come from Node's shared buffer pool, which is cheap already. */
const MIN_KEPT_BYTES = 64 * 1024;
/** Bytes kept for reuse, at most: one buffer for the largest message a call may carry (10 MiB). */
const MAX_KEPT_BYTES = 16 * 1024 * 1024;

export class MessageBuffers {
  private readonly free: Buffer[] = [];
  private keptBytes = 0;
  private readonly own = new WeakSet<ArrayBufferLike>();

  /**
   * `size` bytes for a message (not zeroed): part of a kept buffer between one and two times that size,
   * or of a new one sized to the next power of two.
   */
  readonly allocate = (size: number): Buffer => {
    if (size < MIN_KEPT_BYTES) return Buffer.allocUnsafe(size);
    const fit = this.free.findIndex((b) => b.length >= size && b.length <= 2 * size);
    if (fit >= 0) {
      const [kept] = this.free.splice(fit, 1);
      this.keptBytes -= kept!.length;
      return kept!.subarray(0, size);
    }
    const fresh = Buffer.allocUnsafeSlow(2 ** Math.ceil(Math.log2(size)));
    this.own.add(fresh.buffer);
    return fresh.subarray(0, size);
  };

  /**
   * Hands back a message from {@link allocate} once nothing will read it again (HTTP/2 has written it).
   * Other memory is ignored.
   */
  release(message: Buffer): void {
    if (!this.own.has(message.buffer)) return;
    const whole = Buffer.from(message.buffer);
    if (this.keptBytes + whole.length > MAX_KEPT_BYTES || this.free.some((b) => b.buffer === whole.buffer)) return;
    this.free.push(whole);
    this.keptBytes += whole.length;
  }
}
