/**
 * The official TypeScript client and Tributary's SDK side by side on one server and one workload
 * (air_quality, 215 B records, JSON and Protobuf): full-speed rows/s and ACK latency at the offered load,
 * with the ratio ours/official from runs made back to back.
 */
import { CLIENT_KINDS, type ClientKind } from '../harness/clients.js';
import { batchSet, measurePaced, measureThroughput, type Workload } from '../harness/measure.js';
import { figure, type ResultRow } from '../harness/results.js';
import { percentiles, type LatencyPercentiles } from '../harness/stats.js';
import type { RecordFormat } from '../workload/table-workload.js';
import { AIR_QUALITY, airQualityRecords } from '../workload/air-quality.js';
import type { BenchSession, ReadyTable } from '../harness/session.js';
import { OFFERED_ROWS_PER_SECOND, PACED_BATCH_ROWS } from './latency.js';
import { pick, repeat, warmUp, type Scenario } from './scenario.js';

const BATCH_ROWS = 2048;

interface ClientRun {
  readonly rowsPerSecond: number;
  readonly clientCpuPerMillion: number;
  readonly latency: LatencyPercentiles;
}

export const clients: Scenario = {
  name: 'clients',
  title: 'Clients side by side: official TypeScript client vs Tributary SDK (air_quality, 215 B)',
  async run(ctx) {
    const throughputMs = pick(ctx.options, 3000, 500);
    const pacedMs = pick(ctx.options, 4000, 1000);
    const rows: ResultRow[] = [];
    await ctx.withServer('clients', async (session) => {
      const table = await session.table(AIR_QUALITY);
      for (const format of ctx.options.formats) {
        const workloads = (kind: ClientKind) => ({
          full: workload(session, table, kind, format, BATCH_ROWS),
          paced: workload(session, table, kind, format, PACED_BATCH_ROWS),
        });
        const byKind = { official: workloads('official'), tributary: workloads('tributary') };
        for (const kind of CLIENT_KINDS) await warmUp(ctx.options, byKind[kind].full);
        const runs = await repeat(ctx.options, async (run) => {
          // Alternate who goes first, so neither always meets a server that just did the other's work.
          const order = run % 2 === 0 ? CLIENT_KINDS : [...CLIENT_KINDS].reverse();
          const result: Partial<Record<ClientKind, ClientRun>> = {};
          for (const kind of order) {
            ctx.log(`clients ${format} ${kind} run ${run + 1}`);
            const full = await measureThroughput(byKind[kind].full, 1, throughputMs);
            const paced = await measurePaced(byKind[kind].paced, OFFERED_ROWS_PER_SECOND, pacedMs);
            result[kind] = {
              rowsPerSecond: full.rowsPerSecond,
              clientCpuPerMillion: full.clientCpuPerMillion,
              latency: percentiles(paced.ackMs),
            };
          }
          return result as Record<ClientKind, ClientRun>;
        });
        for (const kind of CLIENT_KINDS) {
          const mine = runs.map((r) => r[kind]);
          rows.push({
            labels: { format, client: kind },
            figures: [
              figure('rows/s', 'acked', mine.map((r) => r.rowsPerSecond), 0),
              figure('client CPU', 's per M rows', mine.map((r) => r.clientCpuPerMillion), 2),
              figure('ack p50', 'ms', mine.map((r) => r.latency.p50), 2),
              figure('ack p99', 'ms', mine.map((r) => r.latency.p99), 2),
            ],
          });
        }
        const ratio = (f: (r: ClientRun) => number) => runs.map((r) => f(r.tributary) / f(r.official));
        rows.push({
          labels: { format, client: 'ours/official' },
          figures: [
            figure('rows/s', 'acked', ratio((r) => r.rowsPerSecond), 2, { atLeast: 1 }),
            figure('client CPU', 's per M rows', ratio((r) => r.clientCpuPerMillion), 2),
            figure('ack p50', 'ms', ratio((r) => r.latency.p50), 2, { atMost: 1 }),
            figure('ack p99', 'ms', ratio((r) => r.latency.p99), 2, { atMost: 1 }),
          ],
        });
      }
    });
    return {
      rows,
      notes: [
        `Full speed: batches of ${BATCH_ROWS} records, ingestRecordsOffset behind a bounded window, then flush(), ` +
          `the same calls for both clients. Latency: ${OFFERED_ROWS_PER_SECOND.toLocaleString('en-US')} rows/s offered ` +
          `in batches of ${PACED_BATCH_ROWS} for ${pacedMs / 1000} s. The ours/official rows are ratios of runs made ` +
          'back to back (for latency, below 1 means ours is faster).',
      ],
    };
  },
};

function workload(
  session: BenchSession,
  table: ReadyTable,
  kind: ClientKind,
  format: RecordFormat,
  batchRows: number,
): Workload {
  const set = batchSet(airQualityRecords(2 * batchRows, format, 215), batchRows);
  return { session, table, client: session.client(kind), workload: AIR_QUALITY, format, set };
}
