/**
 * Load patterns. Throughput: `ingestRecordsOffset` in a loop behind a bounded in-flight window, then one
 * `flush()` (the fastest pattern the official client allows, since any pending wait blocks its stream).
 * Latency: a paced, open-loop sender whose every batch is timed from its send call to its acknowledgement.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchStream } from './clients.js';
import type { Payload } from '../workload/table-workload.js';

/** What a throughput run sent; every row is acknowledged (durable) when it returns. */
export interface Sent {
  readonly rows: number;
  readonly bytes: number;
  /** From the first send to the end of the final flush. */
  readonly seconds: number;
}

/** Batches to send in turn, with their row and byte counts precomputed. */
export interface BatchSet {
  readonly batches: readonly Payload[][];
  readonly rows: readonly number[];
  readonly bytes: readonly number[];
}

/** Sends batches on `stream` until `durationMs` has passed, then flushes. */
export async function sendFor(stream: BenchStream, set: BatchSet, durationMs: number): Promise<Sent> {
  const started = performance.now();
  const deadline = started + durationMs;
  let rows = 0;
  let bytes = 0;
  for (let i = 0; performance.now() < deadline; i = (i + 1) % set.batches.length) {
    await stream.ingestRecordsOffset(set.batches[i]!);
    rows += set.rows[i]!;
    bytes += set.bytes[i]!;
  }
  await stream.flush();
  return { rows, bytes, seconds: (performance.now() - started) / 1000 };
}

/** Sends on every stream at once for `durationMs`; the rows and bytes summed, the time of the slowest. */
export async function sendOnAll(streams: readonly BenchStream[], set: BatchSet, durationMs: number): Promise<Sent> {
  const started = performance.now();
  const each = await Promise.all(streams.map((s) => sendFor(s, set, durationMs)));
  return {
    rows: each.reduce((n, s) => n + s.rows, 0),
    bytes: each.reduce((n, s) => n + s.bytes, 0),
    seconds: (performance.now() - started) / 1000,
  };
}

/** One acknowledged batch of a paced run. */
export interface TimedBatch {
  /** `performance.now()` at the send call and at the acknowledgement. */
  readonly sentAt: number;
  readonly ackedAt: number;
  /** Rows sent on the stream up to and including this batch. */
  readonly rowsThrough: number;
}

/**
 * Offers `rowsPerSecond` for `durationMs` in batches of `set`, each sent on schedule whether or not the
 * previous one was acknowledged (open loop), so a slow acknowledgement cannot lower the offered load.
 * Resolves once every batch is acknowledged, in send order.
 */
export async function sendPaced(
  stream: BenchStream,
  set: BatchSet,
  rowsPerSecond: number,
  durationMs: number,
): Promise<TimedBatch[]> {
  const pending: Promise<TimedBatch>[] = [];
  const started = performance.now();
  let rowsThrough = 0;
  let scheduledAt = started;
  for (let i = 0; scheduledAt < started + durationMs; i = (i + 1) % set.batches.length) {
    const wait = scheduledAt - performance.now();
    if (wait > 0) await sleep(wait);
    rowsThrough += set.rows[i]!;
    const through = rowsThrough;
    const sentAt = performance.now();
    pending.push(stream.ingestRecords(set.batches[i]!).then(() => ({ sentAt, ackedAt: performance.now(), rowsThrough: through })));
    scheduledAt += (set.rows[i]! / rowsPerSecond) * 1000;
  }
  return Promise.all(pending);
}
