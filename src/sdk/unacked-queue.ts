/**
 * The records a stream has accepted but the server has not yet acknowledged, in logical-offset order,
 * and how they map to the wire offsets of the current call.
 *
 * The front `sentCount` entries have been sent on the current call with wire offsets
 * `lastAckedWire + 1 .. lastAckedWire + sentCount`; the rest wait to be sent. A new call starts the mapping
 * over (everything unacknowledged is sent again from wire offset 0), which is how recovery replays.
 * Pure bookkeeping: no I/O, no timers.
 */
import { Fifo } from './fifo.js';

/** Result of applying a cumulative acknowledgement. */
export type AckOutcome =
  /** Entries newly acknowledged (possibly none for a duplicate or lower ack). */
  | { readonly kind: 'acked'; readonly count: number }
  /** The server acknowledged a wire offset it was never sent: a protocol violation. */
  | { readonly kind: 'beyond_sent'; readonly highestSent: number };

/** FIFO of unacknowledged entries with the current call's wire-offset mapping. */
export class UnackedQueue<T> {
  private readonly items = new Fifo<T>();
  private sent = 0;
  private lastAckedWire = -1;

  /** Entries accepted and not yet acknowledged (sent or not). */
  get size(): number {
    return this.items.size;
  }

  /** Entries sent on the current call and not yet acknowledged. */
  get sentCount(): number {
    return this.sent;
  }

  /** Appends an accepted entry. */
  push(item: T): void {
    this.items.push(item);
  }

  /** The next entry to send and the wire offset it gets; call {@link markSent} once it is written. */
  peekUnsent(): T | undefined {
    return this.items.at(this.sent);
  }

  /** Wire offset the entry returned by {@link peekUnsent} is sent with. */
  get nextWireOffset(): number {
    return this.lastAckedWire + 1 + this.sent;
  }

  /** Records that the entry from {@link peekUnsent} went out. */
  markSent(): void {
    this.sent++;
  }

  /**
   * Applies `durability_ack_up_to_offset = wireOffset`, calling `onAcked` for each entry it completes,
   * in order. Acks at or below the last one change nothing, so a regressing server cannot make the
   * client acknowledge records falsely.
   */
  ack(wireOffset: number, onAcked: (item: T) => void): AckOutcome {
    if (wireOffset <= this.lastAckedWire) return { kind: 'acked', count: 0 };
    const highestSent = this.lastAckedWire + this.sent;
    if (wireOffset > highestSent) return { kind: 'beyond_sent', highestSent };
    const count = wireOffset - this.lastAckedWire;
    for (let i = 0; i < count; i++) onAcked(this.items.shift()!);
    this.sent -= count;
    this.lastAckedWire = wireOffset;
    return { kind: 'acked', count };
  }

  /** Starts a new call: nothing is sent on it yet, its wire offsets begin at 0. */
  resetForNewCall(): void {
    this.sent = 0;
    this.lastAckedWire = -1;
  }

  /** The unacknowledged entries, oldest first. */
  toArray(): T[] {
    return this.items.toArray();
  }
}
