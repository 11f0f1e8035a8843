/**
 * The scenarios every SDK runs, and the contract between the suite and a scenario program (one per SDK,
 * under test/compat/sdks/). A program reads its settings from these environment variables:
 *
 * | variable | meaning |
 * |---|---|
 * | `ZEROBUS_ENDPOINT`, `UC_ENDPOINT` | the two URLs a producer changes to point at Tributary |
 * | `CLIENT_ID`, `CLIENT_SECRET`, `TABLE_NAME` | the service principal and the table |
 * | `COMPAT_FORMAT` | `json` or `proto` |
 * | `COMPAT_MODE` | `single` (ingest one record a call) or `batch` (`COMPAT_BATCH_SIZE` records a call) |
 * | `COMPAT_RESTART` | `1`: single mode in two halves; after the first (flushed) print `PAUSED` and wait for a line on stdin |
 * | `COMPAT_RECORDS` | records file, one `<proto bytes as base64>\t<JSON text>` a line |
 * | `COMPAT_PROTO_DIR`, `COMPAT_PROTO_FILE`, `COMPAT_PROTO_MESSAGE` | the generated `.proto`, its compiled Python module (`<file>_pb2.py`) and the message |
 * | `COMPAT_DESCRIPTOR_SET` | protoc's FileDescriptorSet of that file (Rust, Java) |
 *
 * Single mode waits for the middle record's offset (`wait_for_offset`), then flushes; batch mode waits for
 * each batch's offset; both close the stream. The program's last stdout line is `RESULT {"offsets":[...]}`:
 * the logical offsets the SDK returned, in call order.
 */

export type ScenarioName = 'json-single' | 'json-batch' | 'proto-single' | 'proto-batch' | 'recovery';

export interface Scenario {
  readonly name: ScenarioName;
  readonly format: 'json' | 'proto';
  readonly mode: 'single' | 'batch';
  readonly records: number;
  readonly batchSize?: number;
  /** The server is killed (-9) and started again on the same ports while the stream is open. */
  readonly restart: boolean;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'json-single', format: 'json', mode: 'single', records: 24, restart: false },
  { name: 'json-batch', format: 'json', mode: 'batch', records: 60, batchSize: 20, restart: false },
  { name: 'proto-single', format: 'proto', mode: 'single', records: 24, restart: false },
  { name: 'proto-batch', format: 'proto', mode: 'batch', records: 60, batchSize: 20, restart: false },
  { name: 'recovery', format: 'proto', mode: 'single', records: 40, restart: true },
];

/** Where a scenario's records go: one table per SDK and scenario, so a failure names both. */
export function scenarioTable(schema: string, scenario: Scenario): string {
  return `main.${schema}.${scenario.name.replace('-', '_')}`;
}

/** The offsets a correct SDK returns: one logical offset per call, from 0, across recoveries. */
export function expectedOffsets(scenario: Scenario): number[] {
  const calls = scenario.mode === 'batch' ? Math.ceil(scenario.records / scenario.batchSize!) : scenario.records;
  return Array.from({ length: calls }, (_, i) => i);
}

/** What the program needs besides the scenario. */
export interface ScenarioInputs {
  readonly zerobusEndpoint: string;
  readonly ucEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly table: string;
  readonly recordsFile: string;
  readonly proto: ProtoArtifacts;
}

/** The `.proto` generated for the compatibility tables and what protoc made of it. */
export interface ProtoArtifacts {
  readonly dir: string;
  readonly file: string;
  readonly message: string;
  readonly descriptorSet: string;
}

/** The environment of a scenario program. */
export function scenarioEnv(scenario: Scenario, inputs: ScenarioInputs): Record<string, string> {
  return {
    ZEROBUS_ENDPOINT: inputs.zerobusEndpoint,
    UC_ENDPOINT: inputs.ucEndpoint,
    CLIENT_ID: inputs.clientId,
    CLIENT_SECRET: inputs.clientSecret,
    TABLE_NAME: inputs.table,
    COMPAT_FORMAT: scenario.format,
    COMPAT_MODE: scenario.mode,
    COMPAT_BATCH_SIZE: String(scenario.batchSize ?? 0),
    COMPAT_RESTART: scenario.restart ? '1' : '0',
    COMPAT_RECORDS: inputs.recordsFile,
    COMPAT_PROTO_DIR: inputs.proto.dir,
    COMPAT_PROTO_FILE: inputs.proto.file,
    COMPAT_PROTO_MESSAGE: inputs.proto.message,
    COMPAT_DESCRIPTOR_SET: inputs.proto.descriptorSet,
  };
}
