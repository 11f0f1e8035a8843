/**
 * From a record error back to the input line that caused it. Tributary's record errors name the message
 * offset and, inside a batch message, the record's index (`Invalid record 3 of the batch at offset 5, field
 * temp: ...`); the ingest command remembers which lines each offset carried until it is acknowledged.
 */

/** Where a record error points, and what it says about the record. */
export interface RecordErrorPosition {
  readonly offset: bigint;
  /** Index within a batch message; absent for a single-record message. */
  readonly index?: number;
  /** The error without its position: `field temp: expected INT, got ...`. */
  readonly detail: string;
}

const POSITION = /Invalid record (?:(\d+) of the batch at offset (\d+)|at offset (\d+))(?:, |: )?([\s\S]*)$/;

/**
 * Reads the position out of a record error's message, also when it is embedded in a client's status
 * rendering (`... message: "Invalid record ..."`). Undefined for errors about no particular record.
 */
export function parseRecordError(message: string): RecordErrorPosition | undefined {
  const m = POSITION.exec(message);
  if (!m) return undefined;
  // Inside `message: "..."` the closing quote (and a final period) belong to the wrapper, not the detail.
  const embedded = message.slice(0, m.index).endsWith('message: "');
  const detail = embedded ? m[4]!.replace(/"\.?$/, '') : m[4]!;
  return m[1] === undefined
    ? { offset: BigInt(m[3]!), detail }
    : { offset: BigInt(m[2]!), index: Number(m[1]), detail };
}

/**
 * The input lines of each offset sent and not yet acknowledged. Acknowledged offsets are forgotten, so
 * this holds at most the in-flight window.
 */
export class OffsetLines {
  private readonly lines = new Map<number, readonly number[]>();
  private oldest = 0;

  /** Remembers that message `offset` carries the records of `lines`, in order. */
  record(offset: bigint, lines: readonly number[]): void {
    this.lines.set(Number(offset), lines);
  }

  /** Forgets every offset up to and including `offset` (acknowledged: it can no longer fail). */
  forget(offset: bigint): void {
    const upTo = Number(offset);
    for (; this.oldest <= upTo; this.oldest++) this.lines.delete(this.oldest);
  }

  /** The line of record `index` (0 for a single record) of message `offset`, when known. */
  lineOf(offset: bigint, index = 0): number | undefined {
    return this.lines.get(Number(offset))?.[index];
  }
}
