/**
 * The demo table at four record sizes, Protobuf and JSON, one stream: acknowledged rows and megabytes per
 * second, with what the server spent per row and how long Delta took to show the last row.
 */
import { batchSet, measureThroughput, type Workload } from '../harness/measure.js';
import type { ResultRow } from '../harness/results.js';
import type { RecordFormat } from '../workload/table-workload.js';
import { AIR_QUALITY, airQualityRecords } from '../workload/air-quality.js';
import { throughputFigures } from './figures.js';
import { pick, repeat, warmUp, type Scenario } from './scenario.js';

const BATCH_ROWS = 2048;
/** Below the official client's 10 MiB − 64 KiB per call, so 16 KB records go 512 to a batch. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

const ROWS_TARGET: Record<RecordFormat, number> = { proto: 500_000, json: 250_000 };
const LARGE_RECORD_MB_TARGET = 300;

export const airQuality: Scenario = {
  name: 'air_quality',
  title: 'air_quality (device_name STRING, temp INT, humidity BIGINT), 1 stream',
  async run(ctx) {
    const durationMs = pick(ctx.options, 3000, 500);
    const rows: ResultRow[] = [];
    for (const format of ctx.options.formats) {
      for (const size of ctx.options.sizes) {
        // A server per size, so its peak memory and CPU profile belong to one record size.
        await ctx.withServer(`air_quality-${format}-${size}B`, async (session) => {
          const batchRows = Math.min(BATCH_ROWS, Math.floor(MAX_BATCH_BYTES / size));
          const w: Workload = {
            session,
            table: await session.table(AIR_QUALITY),
            client: session.client(ctx.options.client),
            workload: AIR_QUALITY,
            format,
            set: batchSet(airQualityRecords(2 * batchRows, format, size), batchRows),
          };
          await warmUp(ctx.options, w);
          ctx.log(`air_quality ${format} ${size} B`);
          const runs = await repeat(ctx.options, () => measureThroughput(w, 1, durationMs));
          rows.push({
            labels: { format, record: `${size} B`, 'rows/batch': String(batchRows) },
            figures: throughputFigures(runs, {
              ...(size <= 215 ? { rows: { atLeast: ROWS_TARGET[format] } } : {}),
              ...(size >= 16384 ? { mb: { atLeast: LARGE_RECORD_MB_TARGET } } : {}),
            }),
          });
        });
      }
    }
    return { rows };
  },
};
