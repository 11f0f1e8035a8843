/**
 * Per-stream rate quotas (rows/s and bytes/s) as token buckets holding one second of budget. The hosted
 * service enforces 15,000 rows/s and 100 MB/s per stream; a self-hosted server leaves them off by default.
 */
import { TributaryError, type ErrorContext } from '../errors.js';

/** A token bucket refilled continuously at `ratePerSecond`, holding at most one second of tokens. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    now: number,
  ) {
    this.tokens = ratePerSecond;
    this.last = now;
  }

  /** Takes `amount` tokens if available; `now` in milliseconds. */
  take(amount: number, now: number): boolean {
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.ratePerSecond, this.tokens + (elapsed * this.ratePerSecond) / 1000);
    if (amount > this.tokens) return false;
    this.tokens -= amount;
    return true;
  }
}

/** Rows/s and bytes/s limits of one stream; a limit of 0 means unlimited. */
export class StreamQuota {
  private readonly rows?: TokenBucket;
  private readonly bytes?: TokenBucket;

  constructor(
    private readonly limits: { readonly maxRowsPerSecond: number; readonly maxBytesPerSecond: number },
    now: number,
  ) {
    if (limits.maxRowsPerSecond > 0) this.rows = new TokenBucket(limits.maxRowsPerSecond, now);
    if (limits.maxBytesPerSecond > 0) this.bytes = new TokenBucket(limits.maxBytesPerSecond, now);
  }

  /**
   * Charges one message. Throws RESOURCE_EXHAUSTED naming the quota when it is exceeded, so the producer
   * knows to slow down or open more streams.
   */
  charge(rows: number, bytes: number, now: number, context: ErrorContext): void {
    if (this.rows && !this.rows.take(rows, now)) {
      throw new TributaryError(
        'resource_exhausted',
        `stream exceeded its quota of ${this.limits.maxRowsPerSecond} rows/s; slow down or spread the load over more streams`,
        context,
      );
    }
    if (this.bytes && !this.bytes.take(bytes, now)) {
      throw new TributaryError(
        'resource_exhausted',
        `stream exceeded its quota of ${this.limits.maxBytesPerSecond} bytes/s; slow down or spread the load over more streams`,
        context,
      );
    }
  }
}
