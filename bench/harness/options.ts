/**
 * Command-line options of `npm run bench`.
 */
import { parseArgs } from 'node:util';
import type { RecordFormat } from '../workload/table-workload.js';
import { CLIENT_KINDS, type ClientKind } from './clients.js';

export const SCENARIO_NAMES = ['air_quality', 'wide', 'latency', 'clients', 'end_to_end', 'materialize'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface BenchOptions {
  /** A short smoke run: one run per figure, small counts and durations. */
  readonly quick: boolean;
  /** Runs per figure; each figure is their median, with min and max. */
  readonly runs: number;
  readonly scenarios: readonly ScenarioName[];
  /** The producer in the air_quality, wide, latency and end_to_end scenarios. */
  readonly client: ClientKind;
  /** Profile every server child with `--cpu-prof` and summarise its hot spots. */
  readonly profile: boolean;
  /** Where the JSON result goes; default `bench/results/<time>.json`. */
  readonly out: string | undefined;
  /** Record formats the air_quality, wide and clients scenarios run. */
  readonly formats: readonly RecordFormat[];
  /** air_quality record sizes in bytes. */
  readonly sizes: readonly number[];
  /** Extra `tributary serve` flags for every server child, to measure a setting. */
  readonly serveArgs: readonly string[];
}

const FORMATS = ['proto', 'json'] as const;
const SIZES = [215, 1024, 4096, 16384];

export const USAGE = `usage: npm run bench -- [--quick] [--runs N] [--only ${SCENARIO_NAMES.join(',')}]
                       [--client official|tributary] [--profile] [--out FILE]
                       [--formats proto,json] [--sizes ${SIZES.join(',')}] [--serve-args "--flush-bytes 64MiB"]`;

/** Parses `argv` (without the node and script paths); throws with a message on a bad option. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      only: { type: 'string' },
      client: { type: 'string', default: 'official' },
      profile: { type: 'boolean', default: false },
      out: { type: 'string' },
      formats: { type: 'string' },
      sizes: { type: 'string' },
      'serve-args': { type: 'string' },
    },
    strict: true,
  });
  const runs = values.runs === undefined ? (values.quick ? 1 : 3) : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
  const scenarios = values.only === undefined ? [...SCENARIO_NAMES] : list(values.only);
  for (const s of scenarios) {
    if (!(SCENARIO_NAMES as readonly string[]).includes(s)) {
      throw new Error(`unknown scenario '${s}'; choose from ${SCENARIO_NAMES.join(', ')}`);
    }
  }
  if (!(CLIENT_KINDS as readonly string[]).includes(values.client)) {
    throw new Error(`--client must be one of ${CLIENT_KINDS.join(', ')}, got '${values.client}'`);
  }
  const formats = values.formats === undefined ? [...FORMATS] : list(values.formats);
  for (const f of formats) {
    if (!(FORMATS as readonly string[]).includes(f)) throw new Error(`--formats takes ${FORMATS.join(', ')}, got '${f}'`);
  }
  const sizes = values.sizes === undefined ? SIZES : list(values.sizes).map(Number);
  for (const size of sizes) {
    if (!Number.isInteger(size) || size < 64) throw new Error(`--sizes takes whole byte counts of 64 or more, got '${values.sizes}'`);
  }
  return {
    quick: values.quick,
    runs,
    scenarios: scenarios as ScenarioName[],
    client: values.client as ClientKind,
    profile: values.profile,
    out: values.out,
    formats: formats as RecordFormat[],
    sizes,
    serveArgs: values['serve-args'] === undefined ? [] : values['serve-args'].split(/\s+/).filter(Boolean),
  };
}

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim());
}
