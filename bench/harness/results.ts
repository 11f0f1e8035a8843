/**
 * The shape of a bench result, as written to `bench/results/*.json` and rendered as markdown: per
 * scenario, rows of labelled figures, each the spread of several runs, with the target it is held to.
 */
import { spread, type Spread } from './stats.js';

/** A goal a figure is held to (shown next to it, never asserted). */
export type Target = { readonly atLeast: number } | { readonly atMost: number };

export interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly value: Spread;
  /** Decimal places when printed. */
  readonly digits: number;
  readonly target?: Target;
}

export interface ResultRow {
  /** What distinguishes the row (format, record size, client, ...), in column order. */
  readonly labels: Readonly<Record<string, string>>;
  readonly figures: readonly Figure[];
}

/** Self time as a share of a thread's busy (non-idle) time. */
export interface SelfShare {
  readonly name: string;
  readonly selfPercent: number;
}

/** Where one thread of the server spent its time, from its CPU profile. */
export interface ProfileSummary {
  readonly file: string;
  readonly sampledMs: number;
  readonly idlePercent: number;
  /** Functions with the most self time. */
  readonly top: readonly SelfShare[];
  /** Self time per code area: a `src/` directory, an npm package, Node internals, WebAssembly, GC. */
  readonly areas: readonly SelfShare[];
}

export interface ScenarioResult {
  readonly name: string;
  readonly title: string;
  readonly rows: readonly ResultRow[];
  /** Peak RSS (VmHWM) of each server child the scenario ran, by server label. */
  readonly serverPeakRssBytes: Readonly<Record<string, number>>;
  readonly notes: readonly string[];
  readonly profiles: readonly ProfileSummary[];
}

export interface BenchResult {
  readonly startedAt: string;
  readonly seconds: number;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly node: string;
    /** 1, 5 and 15 minute load averages when the bench started: how busy the shared machine was. */
    readonly loadAverage: readonly number[];
    /** `tributary serve` processes already running when the bench started, which take CPU from it. */
    readonly otherServers: number;
  };
  readonly options: Readonly<Record<string, unknown>>;
  readonly scenarios: readonly ScenarioResult[];
}

/** A figure from its per-run values. */
export function figure(name: string, unit: string, runs: readonly number[], digits: number, target?: Target): Figure {
  return { name, unit, value: spread(runs), digits, ...(target ? { target } : {}) };
}

/** Whether the median meets the target; undefined without one. */
export function meetsTarget(f: Figure): boolean | undefined {
  if (!f.target) return undefined;
  return 'atLeast' in f.target ? f.value.median >= f.target.atLeast : f.value.median <= f.target.atMost;
}
