/**
 * One measured run against a server session: throughput (full speed, then wait until Delta has every
 * row) or acknowledgement latency (paced), with the server's and the client's CPU charged to the rows.
 */
import type { BenchClient } from './clients.js';
import { deltaRowCount, waitForDeltaRows } from './delta-watch.js';
import { sendOnAll, sendPaced, type BatchSet, type TimedBatch } from './drive.js';
import type { BenchSession, ReadyTable } from './session.js';
import type { Payload, RecordFormat, TableWorkload } from '../workload/table-workload.js';
import { payloadBytes } from '../workload/table-workload.js';

/** How long materialization may take after a run before the bench gives up on it. */
const DELTA_TIMEOUT_MS = 180_000;
/** Bytes a stream may have in flight: enough to keep the server busy, bounded like a real producer's. */
const WINDOW_BYTES = 32 * 1024 * 1024;
const MAX_WINDOW_BATCHES = 16;

/** Batches of `batchRows` records cut from `records` (a partial last batch is left out). */
export function batchSet(records: readonly Payload[], batchRows: number): BatchSet {
  const batches: Payload[][] = [];
  for (let start = 0; start + batchRows <= records.length; start += batchRows) {
    batches.push(records.slice(start, start + batchRows));
  }
  if (batches.length === 0) throw new Error(`${records.length} records cannot fill a batch of ${batchRows}`);
  return {
    batches,
    rows: batches.map((b) => b.length),
    bytes: batches.map((b) => b.reduce((n, p) => n + payloadBytes(p), 0)),
  };
}

/** The in-flight window, in batches, for batches of `batchBytes`. */
export function windowFor(batchBytes: number): number {
  return Math.max(2, Math.min(MAX_WINDOW_BATCHES, Math.floor(WINDOW_BYTES / batchBytes)));
}

export interface Workload {
  readonly session: BenchSession;
  readonly table: ReadyTable;
  readonly client: BenchClient;
  readonly workload: TableWorkload;
  readonly format: RecordFormat;
  readonly set: BatchSet;
}

export interface ThroughputRun {
  readonly rows: number;
  readonly rowsPerSecond: number;
  readonly megabytesPerSecond: number;
  /** Server CPU seconds per million rows, materialization included. */
  readonly serverCpuPerMillion: number;
  /** This process's CPU seconds (the client, every thread) per million rows. */
  readonly clientCpuPerMillion: number;
  /** From the final flush's acknowledgement until every row was in the Delta table. */
  readonly deltaLagMs: number;
  /** Rows per second from the first send until every row was in the Delta table. */
  readonly endToEndRowsPerSecond: number;
}

/** Full-speed ingestion on `streams` streams for `durationMs`, then flush, close, and wait for Delta. */
export async function measureThroughput(w: Workload, streams: number, durationMs: number): Promise<ThroughputRun> {
  const before = await deltaRowCount(w.table.location);
  const window = windowFor(Math.max(...w.set.bytes));
  const opened = await Promise.all(
    Array.from({ length: streams }, () => w.client.createStream(w.workload, w.format, w.table.credentials, window)),
  );
  const serverCpu = await w.session.server.cpuSeconds();
  const clientCpu = process.cpuUsage();
  const started = performance.now();
  const sent = await sendOnAll(opened, w.set, durationMs);
  const acked = performance.now();
  const clientUsed = process.cpuUsage(clientCpu);
  await Promise.all(opened.map((s) => s.close()));
  const visible = await waitForDeltaRows(w.table.location, before + sent.rows, DELTA_TIMEOUT_MS);
  const serverUsed = (await w.session.server.cpuSeconds()) - serverCpu;
  const millions = sent.rows / 1e6;
  return {
    rows: sent.rows,
    rowsPerSecond: sent.rows / sent.seconds,
    megabytesPerSecond: sent.bytes / sent.seconds / 1e6,
    serverCpuPerMillion: serverUsed / millions,
    clientCpuPerMillion: (clientUsed.user + clientUsed.system) / 1e6 / millions,
    deltaLagMs: visible - acked,
    endToEndRowsPerSecond: sent.rows / ((visible - started) / 1000),
  };
}

export interface PacedRun {
  readonly batches: readonly TimedBatch[];
  /** Acknowledgement latency of every batch, in milliseconds. */
  readonly ackMs: readonly number[];
  /** Rows in the table before the run. */
  readonly rowsBefore: number;
}

/** Offers `rowsPerSecond` for `durationMs` on one stream, then waits until Delta has every row. */
export async function measurePaced(w: Workload, rowsPerSecond: number, durationMs: number): Promise<PacedRun> {
  const rowsBefore = await deltaRowCount(w.table.location);
  const stream = await w.client.createStream(w.workload, w.format, w.table.credentials, windowFor(Math.max(...w.set.bytes)));
  const batches = await sendPaced(stream, w.set, rowsPerSecond, durationMs);
  await stream.close();
  await waitForDeltaRows(w.table.location, rowsBefore + (batches.at(-1)?.rowsThrough ?? 0), DELTA_TIMEOUT_MS);
  return { batches, ackMs: batches.map((b) => b.ackedAt - b.sentAt), rowsBefore };
}
