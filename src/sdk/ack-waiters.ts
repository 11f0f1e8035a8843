/**
 * Callers waiting until a logical offset is acknowledged (`waitForOffset`, `flush`, `close`), each with its
 * own deadline. Acknowledgements arrive in offset order, so one watermark decides every waiter.
 */
import type { ZerobusError } from './zerobus-error.js';

interface Waiter {
  readonly offset: number;
  readonly prefix: string;
  readonly resolve: () => void;
  readonly reject: (error: ZerobusError) => void;
  readonly timer: NodeJS.Timeout;
}

/** Waiters on the acknowledged-offset watermark. */
export class AckWaiters {
  private waiters: Waiter[] = [];
  /** Highest logical offset acknowledged so far (-1: none). */
  private watermark = -1;

  /** Highest logical offset acknowledged so far (-1: none). */
  get acked(): number {
    return this.watermark;
  }

  /**
   * Resolves once `offset` is acknowledged; rejects with `timeoutError` after `timeoutMs`, or with the
   * stream's error (prefixed with `prefix`) if the stream fails first.
   */
  wait(offset: number, timeoutMs: number, timeoutError: ZerobusError, prefix: string): Promise<void> {
    if (offset <= this.watermark) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(timeoutError);
      }, timeoutMs);
      // The call itself keeps the process alive while there is work; a bare deadline should not.
      timer.unref();
      const waiter: Waiter = { offset, prefix, resolve, reject, timer };
      this.waiters.push(waiter);
    });
  }

  /** Moves the watermark up to `offset` and releases the waiters it satisfies. */
  advance(offset: number): void {
    if (offset <= this.watermark) return;
    this.watermark = offset;
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.offset <= offset) {
        clearTimeout(w.timer);
        w.resolve();
      } else {
        still.push(w);
      }
    }
    this.waiters = still;
  }

  /** Rejects every waiter with `error` as seen from its own operation. */
  failAll(error: ZerobusError): void {
    const all = this.waiters;
    this.waiters = [];
    for (const w of all) {
      clearTimeout(w.timer);
      w.reject(error.withPrefix(w.prefix));
    }
  }
}
