/**
 * A 105-column table shaped like ClickBench's `hits`, Protobuf and JSON, on one stream and on four.
 */
import { batchSet, measureThroughput } from '../harness/measure.js';
import type { ResultRow } from '../harness/results.js';
import { payloadBytes, type RecordFormat } from '../workload/table-workload.js';
import { WIDE, wideRecords } from '../workload/wide.js';
import { throughputFigures } from './figures.js';
import { pick, repeat, warmUp, type Scenario } from './scenario.js';

const BATCH_ROWS = 2048;
const STREAMS = [1, 4];
const ROWS_TARGET: Record<RecordFormat, number> = { proto: 150_000, json: 50_000 };

export const wide: Scenario = {
  name: 'wide',
  title: 'wide: 105 columns like ClickBench hits (mostly integers)',
  async run(ctx) {
    const durationMs = pick(ctx.options, 3000, 500);
    const rows: ResultRow[] = [];
    for (const format of ctx.options.formats) {
      await ctx.withServer(`wide-${format}`, async (session) => {
        const records = wideRecords(2 * BATCH_ROWS, format);
        const w = {
          session,
          table: await session.table(WIDE),
          client: session.client(ctx.options.client),
          workload: WIDE,
          format,
          set: batchSet(records, BATCH_ROWS),
        };
        const recordBytes = Math.round(records.reduce((n, p) => n + payloadBytes(p), 0) / records.length);
        await warmUp(ctx.options, w);
        for (const streams of STREAMS) {
          ctx.log(`wide ${format} ${streams} stream(s)`);
          const runs = await repeat(ctx.options, () => measureThroughput(w, streams, durationMs));
          rows.push({
            labels: { format, record: `${recordBytes} B`, streams: String(streams) },
            figures: throughputFigures(runs, { rows: { atLeast: ROWS_TARGET[format] } }),
          });
        }
      });
    }
    return { rows };
  },
};
