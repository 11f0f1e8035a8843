/**
 * Acknowledgement latency under a steady offered load: air_quality Protobuf records at 15,000 rows/s in
 * small batches, each timed from its send call until the server acknowledged it as durable.
 */
import { batchSet, measurePaced } from '../harness/measure.js';
import { percentiles } from '../harness/stats.js';
import { AIR_QUALITY, airQualityRecords } from '../workload/air-quality.js';
import { latencyFigures } from './figures.js';
import { pick, repeat, type Scenario } from './scenario.js';

/** The offered load of the latency target. */
export const OFFERED_ROWS_PER_SECOND = 15_000;
/** Rows per message when pacing: 300 messages per second at the offered load. */
export const PACED_BATCH_ROWS = 50;
export const ACK_P99_TARGET_MS = 20;

export const latency: Scenario = {
  name: 'latency',
  title: `ACK latency at ${OFFERED_ROWS_PER_SECOND.toLocaleString('en-US')} rows/s offered (air_quality proto, 215 B)`,
  async run(ctx) {
    const durationMs = pick(ctx.options, 20_000, 2000);
    const runs = await ctx.withServer('latency', async (session) => {
      const w = {
        session,
        table: await session.table(AIR_QUALITY),
        client: session.client(ctx.options.client),
        workload: AIR_QUALITY,
        format: 'proto' as const,
        set: batchSet(airQualityRecords(20 * PACED_BATCH_ROWS, 'proto', 215), PACED_BATCH_ROWS),
      };
      return repeat(ctx.options, async (run) => {
        ctx.log(`latency run ${run + 1}`);
        return percentiles((await measurePaced(w, OFFERED_ROWS_PER_SECOND, durationMs)).ackMs);
      });
    });
    return {
      rows: [
        {
          labels: {
            client: ctx.options.client,
            'rows/batch': String(PACED_BATCH_ROWS),
            seconds: String(durationMs / 1000),
            batches: String(runs[0]!.count),
          },
          figures: latencyFigures(runs, { atMost: ACK_P99_TARGET_MS }),
        },
      ],
      notes: [
        'Each batch is sent on schedule (open loop) and timed from its ingestRecords call to the resolution of its ' +
          'acknowledgement; the server acknowledges after the WAL group commit (1 ms window) and fdatasync.',
      ],
    };
  },
};
