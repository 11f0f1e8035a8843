/**
 * From acknowledgement to query: how long an acknowledged row takes to be readable in the Delta table
 * (polling the table's snapshot as a reader would), under the steady offered load and after a burst.
 */
import { deltaState, firstSeen, watchDelta, type Observation } from '../harness/delta-watch.js';
import { sendPaced, type TimedBatch } from '../harness/drive.js';
import { batchSet, measureThroughput } from '../harness/measure.js';
import { figure, type ResultRow } from '../harness/results.js';
import { percentiles, type LatencyPercentiles } from '../harness/stats.js';
import { AIR_QUALITY, airQualityRecords } from '../workload/air-quality.js';
import { OFFERED_ROWS_PER_SECOND, PACED_BATCH_ROWS } from './latency.js';
import { pick, repeat, type Scenario } from './scenario.js';

const POLL_MS = 20;
const BURST_BATCH_ROWS = 2048;
const DELTA_TIMEOUT_MS = 180_000;

interface SteadyRun {
  readonly delays: LatencyPercentiles;
  /** Table versions committed (appends, compactions) per second while the load ran. */
  readonly commitsPerSecond: number;
}

/**
 * For each batch, the time from its acknowledgement until the table first held every row acknowledged by
 * then. On one stream acknowledgements are cumulative, so the acknowledged rows are always a prefix of the
 * WAL, which Delta commits in order: once the table holds that many rows (counted in acknowledgement
 * order, which also covers clients that reorder concurrent calls), it holds this batch.
 */
export function visibilityDelays(
  batches: readonly TimedBatch[],
  observations: readonly Observation[],
  rowsBefore: number,
): number[] {
  const byAck = [...batches].sort((a, b) => a.ackedAt - b.ackedAt);
  const rowsOf = batches.map((b, i) => b.rowsThrough - (i === 0 ? 0 : batches[i - 1]!.rowsThrough));
  const rowsByBatch = new Map(batches.map((b, i) => [b, rowsOf[i]!]));
  let acked = rowsBefore;
  return byAck.map((b) => {
    acked += rowsByBatch.get(b)!;
    const seen = firstSeen(observations, acked);
    if (seen === undefined) throw new Error(`the table never held ${acked} rows`);
    return Math.max(0, seen - b.ackedAt);
  });
}

export const endToEnd: Scenario = {
  name: 'end_to_end',
  title: 'End to end: ACK → readable in Delta (air_quality proto, 215 B)',
  async run(ctx) {
    const pacedMs = pick(ctx.options, 10_000, 2000);
    const burstMs = pick(ctx.options, 4000, 500);
    const rows: ResultRow[] = await ctx.withServer('end_to_end', async (session) => {
      const table = await session.table(AIR_QUALITY);
      const client = session.client(ctx.options.client);
      const base = { session, table, client, workload: AIR_QUALITY, format: 'proto' as const };
      const paced = batchSet(airQualityRecords(20 * PACED_BATCH_ROWS, 'proto', 215), PACED_BATCH_ROWS);
      const burst = { ...base, set: batchSet(airQualityRecords(2 * BURST_BATCH_ROWS, 'proto', 215), BURST_BATCH_ROWS) };
      const steady: SteadyRun[] = await repeat(ctx.options, async (run) => {
        ctx.log(`end_to_end steady run ${run + 1}`);
        const before = await deltaState(table.location);
        const watch = watchDelta(table.location, POLL_MS);
        const stream = await client.createStream(AIR_QUALITY, 'proto', table.credentials, 16);
        const batches = await sendPaced(stream, paced, OFFERED_ROWS_PER_SECOND, pacedMs);
        await stream.close();
        const total = before.rows + (batches.at(-1)?.rowsThrough ?? 0);
        const seen = await watch.until(total, DELTA_TIMEOUT_MS);
        const observations = await watch.stop();
        const versions = (observations.find((o) => o.at >= seen)?.version ?? before.version) - before.version;
        return {
          delays: percentiles(visibilityDelays(batches, observations, before.rows)),
          commitsPerSecond: versions / ((seen - batches[0]!.sentAt) / 1000),
        };
      });
      const bursts = await repeat(ctx.options, (run) => {
        ctx.log(`end_to_end burst run ${run + 1}`);
        return measureThroughput(burst, 1, burstMs);
      });
      return [
        {
          labels: { load: `${OFFERED_ROWS_PER_SECOND.toLocaleString('en-US')} rows/s for ${pacedMs / 1000} s` },
          figures: [
            figure('ACK→Delta p50', 'ms', steady.map((s) => s.delays.p50), 0),
            figure('ACK→Delta p99', 'ms', steady.map((s) => s.delays.p99), 0),
            figure('ACK→Delta max', 'ms', steady.map((s) => s.delays.max), 0),
            figure('Delta versions', 'per second', steady.map((s) => s.commitsPerSecond), 1),
          ],
        },
        {
          labels: { load: `full speed for ${burstMs / 1000} s` },
          figures: [
            figure('acked', 'rows/s', bursts.map((b) => b.rowsPerSecond), 0),
            figure('into Delta', 'rows/s, first send → last row readable', bursts.map((b) => b.endToEndRowsPerSecond), 0),
            figure('Delta lag', 'ms after last ack', bursts.map((b) => b.deltaLagMs), 0),
          ],
        },
      ];
    });
    return {
      rows,
      notes: [
        `Readable means counted in the snapshot a reader loads (loadSnapshot, numRecords of the live files), polled ` +
          `every ${POLL_MS} ms from the bench process (so delays are late by up to that, plus the load). The server runs ` +
          'with its defaults (flush interval 1 s, flush bytes 128 MiB, checkpoint every 10 versions); Delta versions ' +
          'per second counts every commit, compactions included.',
      ],
    };
  },
};
