/**
 * What a scenario is given and returns. A scenario opens server children through its context, which keeps
 * their peak memory and profiles for the result; it returns its rows of figures and any notes.
 */
import { measureThroughput, type Workload } from '../harness/measure.js';
import type { BenchOptions, ScenarioName } from '../harness/options.js';
import type { ResultRow } from '../harness/results.js';
import type { BenchSession } from '../harness/session.js';

export interface ScenarioContext {
  readonly options: BenchOptions;
  /** Runs `fn` against a fresh server child labelled `label`, stopping it afterwards. */
  withServer<T>(label: string, fn: (session: BenchSession) => Promise<T>): Promise<T>;
  /** Progress for the person watching (stderr). */
  log(message: string): void;
}

export interface ScenarioOutput {
  readonly rows: readonly ResultRow[];
  readonly notes?: readonly string[];
}

export interface Scenario {
  readonly name: ScenarioName;
  readonly title: string;
  run(ctx: ScenarioContext): Promise<ScenarioOutput>;
}

/** `full` normally, `quick` in a --quick run. */
export function pick<T>(options: BenchOptions, full: T, quick: T): T {
  return options.quick ? quick : full;
}

/** Calls `fn` once per run, returning every run's result. */
export async function repeat<T>(options: BenchOptions, fn: (run: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let run = 0; run < options.runs; run++) results.push(await fn(run));
  return results;
}

/** An untimed second at full speed, so the server's JIT has settled before the first measured run; skipped in --quick. */
export async function warmUp(options: BenchOptions, w: Workload): Promise<void> {
  if (!options.quick) await measureThroughput(w, 1, 1000);
}
