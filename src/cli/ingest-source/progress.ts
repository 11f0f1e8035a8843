/**
 * The ingest progress display: a bar over the bytes read when the input size is known, with rows sent,
 * rows/s and rows acknowledged. Drawn on stderr only when it is a terminal, so piped output stays clean.
 */
import cliProgress from 'cli-progress';

/** Counters the ingest loop reports. */
export interface ProgressCounts {
  readonly rows: number;
  readonly acked: number;
  /** Input bytes consumed so far. */
  readonly bytes: number;
}

/** Receives counters as ingestion proceeds. */
export interface ProgressSink {
  update(counts: ProgressCounts): void;
  stop(): void;
}

/** A sink that shows nothing (stderr not a terminal, or `--no-progress`). */
export const NO_PROGRESS: ProgressSink = { update: () => undefined, stop: () => undefined };

/** A progress bar on `stream`; `totalBytes` is the input size, undefined for stdin. */
export function progressBar(stream: NodeJS.WritableStream, totalBytes: number | undefined): ProgressSink {
  const started = performance.now();
  const counters = '{rows} rows | {rate} rows/s | {acked} acked';
  const bar = new cliProgress.SingleBar(
    {
      format: totalBytes === undefined ? counters : `{bar} {percentage}% | ${counters}`,
      stream,
      fps: 5,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = (c: ProgressCounts): Record<string, string> => {
    const seconds = (performance.now() - started) / 1000;
    return {
      rows: c.rows.toLocaleString('en-US'),
      acked: c.acked.toLocaleString('en-US'),
      rate: seconds > 0 ? Math.round(c.rows / seconds).toLocaleString('en-US') : '0',
    };
  };
  const zero = { rows: 0, acked: 0, bytes: 0 };
  bar.start(totalBytes ?? 0, 0, payload(zero));
  return {
    update: (c) => bar.update(Math.min(c.bytes, totalBytes ?? 0), payload(c)),
    stop: () => bar.stop(),
  };
}
