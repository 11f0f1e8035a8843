/**
 * Runs one SDK through every scenario against its own Tributary server, then checks the tables with the
 * independent readers. `npm test` (test/compat/fast) and `npm run test:compat` (test/compat/run.ts) both
 * drive this.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { runCli } from '../../helpers/run-cli.js';
import { promisify } from 'node:util';
import { ensureVenv } from '../../helpers/python.js';
import type { SdkDriver } from './drivers.js';
import { firstDifference, readTables, tableFiles, tableLocation, type ReaderName, type TableFiles } from './readers.js';
import { compatRecords, protoEncoder, recordsFile, type CanonicalValue } from './records.js';
import {
  expectedOffsets,
  scenarioEnv,
  scenarioTable,
  SCENARIOS,
  type ProtoArtifacts,
  type Scenario,
  type ScenarioName,
} from './scenario-env.js';
import { startCompatServer, type CompatServer } from './server.js';

const run = promisify(execFile);
/** A scenario program that runs longer than this is stuck (the recovery scenario needs about 10 s). */
const SCENARIO_TIMEOUT_MS = 180_000;
const PROTO_MESSAGE = 'CompatRow';

export type Outcome = { readonly ok: true } | { readonly ok: false; readonly detail: string };

/** A table the SDK wrote, with the rows it must hold. */
export interface WrittenTable {
  readonly sdk: string;
  readonly scenario: ScenarioName;
  readonly files: TableFiles;
  readonly rows: readonly (readonly CanonicalValue[])[];
}

export type SdkRun =
  | { readonly sdk: string; readonly skipped: string }
  | {
      readonly sdk: string;
      readonly scenarios: ReadonlyMap<ScenarioName, Outcome>;
      readonly tables: readonly WrittenTable[];
      /** Deletes the server's data directory (after the readers are done). */
      dispose(): Promise<void>;
    };

/** Runs `scenarios` with one SDK, stops its server, and lists what each table must hold. */
export async function runSdk(driver: SdkDriver, scenarios: readonly Scenario[] = SCENARIOS): Promise<SdkRun> {
  const prepared = await driver.prepare();
  if ('skip' in prepared) return { sdk: driver.name, skipped: prepared.skip };

  const schema = driver.name.replace('-', '_');
  const names = scenarios.map((s) => scenarioTable(schema, s));
  const server = await startCompatServer(schema, names);
  const work = await mkdtemp(path.join(os.tmpdir(), `tributary-compat-${schema}-files-`));
  const dispose = async (): Promise<void> => {
    await server.dispose();
    await rm(work, { recursive: true, force: true });
  };
  try {
    const credentials = { clientId: server.clientId, clientSecret: server.clientSecret };
    const locations = await Promise.all(names.map((name) => tableLocation(server.ucEndpoint, credentials, name)));
    const proto = await protoArtifacts(server, names[0]!, work);
    const encode = protoEncoder(await readFile(path.join(proto.dir, proto.file), 'utf8'), PROTO_MESSAGE);
    const outcomes = new Map<ScenarioName, Outcome>();
    const expected: { scenario: ScenarioName; rows: CanonicalValue[][] }[] = [];
    for (const [i, scenario] of scenarios.entries()) {
      const records = compatRecords(i * 1000, scenario.records);
      const file = path.join(work, `${scenario.name}.records`);
      await writeFile(file, recordsFile(records, encode));
      const env = scenarioEnv(scenario, {
        zerobusEndpoint: server.zerobusEndpoint,
        ucEndpoint: server.ucEndpoint,
        clientId: server.clientId,
        clientSecret: server.clientSecret,
        table: names[i]!,
        recordsFile: file,
        proto,
      });
      outcomes.set(scenario.name, await runScenario(prepared, env, scenario, server));
      expected.push({ scenario: scenario.name, rows: records.map((r) => [...r.row]) });
    }
    // A server that cannot stop cleanly still left its tables for the readers to judge.
    await server.stop().catch((e: unknown) => process.stderr.write(`[compat] ${driver.name}: ${String(e)}\n`));
    const tables = await Promise.all(
      expected.map(async (e, i) => ({
        sdk: driver.name,
        scenario: e.scenario,
        files: await tableFiles(names[i]!, locations[i]!),
        rows: e.rows,
      })),
    );
    return { sdk: driver.name, scenarios: outcomes, tables, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}

/** One reader's verdict on one table: undefined when identical, else the first difference. */
export interface ReaderVerdict {
  readonly table: WrittenTable;
  readonly reader: ReaderName;
  readonly difference: string | undefined;
}

/** Reads every table with each reader and compares it with the rows the producer sent and had acked. */
export async function checkReaders(tables: readonly WrittenTable[], readers: readonly ReaderName[]): Promise<ReaderVerdict[]> {
  const { python } = await ensureVenv(readers.includes('spark') ? ['compat', 'spark'] : ['compat']);
  const verdicts: ReaderVerdict[] = [];
  for (const reader of readers) {
    const read = await readTables(reader, tables.map((t) => t.files), python);
    for (const table of tables) {
      const got = read[table.files.name];
      verdicts.push({ table, reader, difference: got ? firstDifference(table.rows, got) : 'the reader returned nothing' });
    }
  }
  return verdicts;
}

/**
 * The `.proto` an operator gets from `tributary generate-proto` for the compatibility tables (all share one
 * shape), compiled by protoc (grpcio-tools) into a Python module and a descriptor set.
 */
async function protoArtifacts(server: CompatServer, table: string, dir: string): Promise<ProtoArtifacts> {
  const file = 'compat_row.proto';
  const generated = await runCli([
    'generate-proto',
    '--uc-endpoint',
    server.ucEndpoint,
    '--client-id',
    server.clientId,
    '--client-secret',
    server.clientSecret,
    '--table',
    table,
    '--proto-msg',
    PROTO_MESSAGE,
    '--output',
    path.join(dir, file),
  ]);
  if (generated.code !== 0) throw new Error(`tributary generate-proto failed: ${generated.stderr}`);
  const { python } = await ensureVenv(['compat']);
  const descriptorSet = path.join(dir, 'compat_row.desc');
  await run(python, ['-m', 'grpc_tools.protoc', `-I${dir}`, `--python_out=${dir}`, `--descriptor_set_out=${descriptorSet}`, file]);
  return { dir, file, message: PROTO_MESSAGE, descriptorSet };
}

/**
 * Runs a scenario program to its end. On `PAUSED` (the recovery scenario) the server is killed and started
 * again, then the program is told to go on. Passes when the program exits 0 and printed the expected offsets.
 */
async function runScenario(
  program: { readonly command: string; readonly args: readonly string[] },
  env: Record<string, string>,
  scenario: Scenario,
  server: CompatServer,
): Promise<Outcome> {
  const child = spawn(program.command, [...program.args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let result: string | undefined;
  let restarted = false;
  let restartError: unknown;
  /** When the server was killed, and when it served again: a recovery failure depends on that window. */
  let killedAt: number | undefined;
  let servingAt: number | undefined;
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (line.startsWith('RESULT ')) result = line.slice('RESULT '.length);
    if (line === 'PAUSED') {
      killedAt = Date.now();
      void server
        .restart()
        .then(() => {
          restarted = true;
          servingAt = Date.now();
        })
        .catch((e: unknown) => (restartError = e))
        .finally(() => child.stdin.end('go\n'));
    }
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, SCENARIO_TIMEOUT_MS);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('close', (c, s) => resolve([c, s])),
  );
  clearTimeout(timer);
  // A restart scenario's failures depend on what the server did around the restart: show its log too.
  const endedAt = Date.now();
  const window =
    killedAt === undefined
      ? ''
      : `\nserver killed ${endedAt - killedAt} ms before the program ended; serving again after ${servingAt === undefined ? '(never)' : `${servingAt - killedAt} ms`}`;
  const serverLog = scenario.restart ? `${window}\nserver output (last lines):\n${lastLines(server.output(), 30)}` : '';
  const fail = (why: string): Outcome => ({
    ok: false,
    detail: `${why}${stderr.trim() ? `\n${lastLines(stderr, 12)}` : ''}${serverLog}`,
  });
  if (restartError) return fail(`server restart failed: ${String(restartError)}`);
  if (timedOut) return fail(`still running after ${SCENARIO_TIMEOUT_MS / 1000} s, killed`);
  if (code !== 0) return fail(`exited with ${code ?? signal}`);
  if (scenario.restart && !restarted) return fail('never paused for the server restart');
  if (result === undefined) return fail('printed no RESULT line');
  const offsets = (JSON.parse(result) as { offsets: number[] }).offsets;
  const want = expectedOffsets(scenario);
  if (JSON.stringify(offsets) !== JSON.stringify(want)) {
    return fail(`offsets ${JSON.stringify(offsets)}, expected ${JSON.stringify(want)}`);
  }
  return { ok: true };
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n');
}
