/**
 * `npm run bench`: Tributary end to end on this machine. Each scenario starts `tributary serve` as a child
 * process (ephemeral ports, temporary data directory) and drives it with the official client or ours;
 * every figure is the median of several runs with min and max. Prints markdown tables and writes the
 * result as JSON under `bench/results/`. Never asserts times.
 *
 *   npm run bench -- [--quick] [--runs N] [--only air_quality,latency] [--client official|tributary]
 *                    [--profile] [--out FILE] [--formats proto,json] [--sizes 215,16384] [--serve-args "..."]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderScenario } from './harness/markdown.js';
import { USAGE, parseBenchOptions, type BenchOptions, type ScenarioName } from './harness/options.js';
import type { BenchResult, ProfileSummary, ScenarioResult } from './harness/results.js';
import { openSession } from './harness/session.js';
import { otherTributaryServers } from './harness/other-servers.js';
import { airQuality } from './scenarios/air-quality.js';
import { clients } from './scenarios/clients.js';
import { endToEnd } from './scenarios/end-to-end.js';
import { latency } from './scenarios/latency.js';
import { materializeScenario } from './scenarios/materialize.js';
import type { Scenario, ScenarioContext } from './scenarios/scenario.js';
import { wide } from './scenarios/wide.js';

const SCENARIOS: Record<ScenarioName, Scenario> = {
  air_quality: airQuality,
  wide,
  latency,
  clients,
  end_to_end: endToEnd,
  materialize: materializeScenario,
};
const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
/** Threads whose busy time is below this share of the busiest one are left out of the report. */
const PROFILE_SHARE = 0.25;

let options: BenchOptions;
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
  process.exit(2);
}

const startedAt = new Date();
const loadAtStart = os.loadavg();
const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
const out = options.out ?? path.join(RESULTS_DIR, `${stamp}.json`);
/** Profiles go next to the result they explain. */
const profilesDir = `${out.replace(/\.json$/, '')}-profiles`;
const log = (message: string): void => {
  process.stderr.write(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
};
const otherServers = otherTributaryServers();
if (otherServers.length > 0) {
  log(`warning: ${otherServers.length} other Tributary servers are running (pids ${otherServers.join(', ')}); they take CPU from this run`);
}

async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
  const serverPeakRssBytes: Record<string, number> = {};
  const profiles: ProfileSummary[] = [];
  const ctx: ScenarioContext = {
    options,
    log,
    withServer: async (label, fn) => {
      const profileDir = options.profile ? path.join(profilesDir, label) : undefined;
      const session = await openSession({ ...(profileDir ? { cpuProfileDir: profileDir } : {}), serveArgs: options.serveArgs });
      let closed = false;
      try {
        const result = await fn(session);
        closed = true;
        const { peakRssBytes, profiles: summaries } = await session.close();
        serverPeakRssBytes[label] = peakRssBytes;
        profiles.push(...busiest(summaries));
        return result;
      } finally {
        if (!closed) await session.close().catch(() => undefined);
      }
    },
  };
  log(`${scenario.name}: start`);
  const output = await scenario.run(ctx);
  return {
    name: scenario.name,
    title: scenario.title,
    rows: output.rows,
    serverPeakRssBytes,
    notes: output.notes ?? [],
    profiles,
  };
}

/** The threads worth reading: those at least {@link PROFILE_SHARE} as busy as the busiest. */
function busiest(summaries: readonly ProfileSummary[]): ProfileSummary[] {
  const busy = (s: ProfileSummary) => s.sampledMs * (1 - s.idlePercent / 100);
  const top = Math.max(0, ...summaries.map(busy));
  return summaries.filter((s) => busy(s) >= top * PROFILE_SHARE);
}

const scenarios: ScenarioResult[] = [];
for (const name of options.scenarios) {
  const result = await runScenario(SCENARIOS[name]);
  scenarios.push(result);
  process.stdout.write(`${renderScenario(result)}\n\n`);
}

const result: BenchResult = {
  startedAt: startedAt.toISOString(),
  seconds: (Date.now() - startedAt.getTime()) / 1000,
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadAverage: loadAtStart,
    otherServers: otherServers.length,
  },
  options: { ...options },
  scenarios,
};
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
log(`done in ${result.seconds.toFixed(0)} s; result written to ${out}`);
