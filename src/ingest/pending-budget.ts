/**
 * Bytes received from producers and not yet handed to the WAL, counted across every stream of a server.
 * Each stream may hold up to its own limit while its previous append is under way; this shared budget keeps
 * many streams together within one bound, so memory does not grow with the number of streams. A stream
 * over it stops reading (HTTP/2 flow control holds the producer) until its pending batch goes to the WAL.
 */
export class PendingBudget {
  private used = 0;

  constructor(readonly limitBytes: number) {}

  /** Whether the streams together hold the budget or more. */
  get exhausted(): boolean {
    return this.used >= this.limitBytes;
  }

  get usedBytes(): number {
    return this.used;
  }

  add(bytes: number): void {
    this.used += bytes;
  }

  release(bytes: number): void {
    this.used -= bytes;
  }
}
