/** A first-in first-out queue with O(1) `shift` (an array's `shift` is O(n), fatal with many waiters). */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** The item `index` places behind the oldest (0: the oldest), without removing it. */
  at(index: number): T | undefined {
    return this.items[this.head + index];
  }

  /** Every item, oldest first. */
  toArray(): T[] {
    return this.items.slice(this.head) as T[];
  }

  /** Removes and returns every item, oldest first. */
  takeAll(): T[] {
    const all = this.toArray();
    this.items = [];
    this.head = 0;
    return all;
  }
}
