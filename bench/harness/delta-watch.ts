/**
 * Watching a Delta table from outside the server, as a reader would: the rows of its current snapshot,
 * counted from the `numRecords` of every live file's statistics.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { loadSnapshot } from '../../src/delta/snapshot.js';

/** The table's current version and the rows of its snapshot. */
export async function deltaState(location: string): Promise<{ version: number; rows: number }> {
  const snapshot = await loadSnapshot(location);
  let rows = 0;
  for (const file of snapshot.files) {
    const stats = file.stats === undefined ? undefined : (JSON.parse(file.stats) as { numRecords?: number });
    if (stats?.numRecords === undefined) throw new Error(`file ${file.path} has no numRecords statistic`);
    rows += stats.numRecords;
  }
  return { version: snapshot.version, rows };
}

/** Rows in the table's current snapshot. */
export async function deltaRowCount(location: string): Promise<number> {
  return (await deltaState(location)).rows;
}

/** A table version and row count observed at a time (`performance.now()`). */
export interface Observation {
  readonly at: number;
  readonly version: number;
  readonly rows: number;
}

/** A running poll of a table's row count. */
export interface DeltaWatch {
  /** Every observation so far, oldest first. */
  readonly observations: readonly Observation[];
  /** Resolves with the first time the table was seen holding at least `rows` rows. */
  until(rows: number, timeoutMs: number): Promise<number>;
  /** Stops polling; resolves with every observation. */
  stop(): Promise<Observation[]>;
}

/** Polls the table's row count every `pollMs` until stopped. */
export function watchDelta(location: string, pollMs: number): DeltaWatch {
  const observations: Observation[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      observations.push({ at: performance.now(), ...(await deltaState(location)) });
      await sleep(pollMs);
    }
  })();
  return {
    observations,
    until: async (rows, timeoutMs) => {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const at = firstSeen(observations, rows);
        if (at !== undefined) return at;
        if (performance.now() > deadline) throw new Error(`Delta table did not reach ${rows} rows in ${timeoutMs} ms`);
        await sleep(pollMs);
      }
    },
    stop: async () => {
      running = false;
      await loop;
      return observations;
    },
  };
}

/** The first time the table held at least `rows` rows, or undefined if it never did. */
export function firstSeen(observations: readonly Observation[], rows: number): number | undefined {
  return observations.find((o) => o.rows >= rows)?.at;
}

/** Polls until the table holds at least `rows` rows; resolves with the time it was first seen. */
export async function waitForDeltaRows(location: string, rows: number, timeoutMs: number, pollMs = 20): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const seen = await deltaRowCount(location);
    if (seen >= rows) return performance.now();
    if (performance.now() > deadline) throw new Error(`Delta table holds ${seen} rows after ${timeoutMs} ms, expected ${rows}`);
    await sleep(pollMs);
  }
}
