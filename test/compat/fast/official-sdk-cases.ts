/**
 * The compatibility cases of one official SDK as node:test tests: each scenario against a real Tributary
 * server, then delta-rs and DuckDB over every table it wrote (Spark runs in `npm run test:compat`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SdkDriver } from '../harness/drivers.js';
import { SCENARIOS, type Scenario } from '../harness/scenario-env.js';
import { checkReaders, runSdk, type ReaderVerdict, type SdkRun } from '../harness/suite.js';

const WHAT: Record<Scenario['name'], string> = {
  'json-single': 'JSON, one record a call: offsets 0..n-1, wait for an offset, flush, close',
  'json-batch': 'JSON batches: one offset per batch, wait for each, flush, close',
  'proto-single': 'Protobuf from the generated .proto, one record a call',
  'proto-batch': 'Protobuf batches from the generated .proto',
  recovery: 'server killed and restarted mid-stream: the SDK reconnects and every record lands once',
};

export function describeOfficialSdk(driver: SdkDriver): void {
  describe(`official SDK ${driver.version} against Tributary`, () => {
    let run: SdkRun | undefined;
    let verdicts: ReaderVerdict[] = [];

    before(async () => {
      run = await runSdk(driver);
      if ('tables' in run) verdicts = await checkReaders(run.tables, ['delta-rs', 'duckdb']);
    });

    after(async () => {
      if (run && 'dispose' in run) await run.dispose();
    });

    for (const scenario of SCENARIOS) {
      test(`${scenario.name}: ${WHAT[scenario.name]}`, () => {
        assert.ok(run && 'scenarios' in run, run && 'skipped' in run ? run.skipped : 'the SDK did not run');
        const outcome = run.scenarios.get(scenario.name);
        assert.ok(outcome, `${scenario.name} did not run`);
        assert.ok(outcome.ok, outcome.ok ? '' : outcome.detail);
      });
    }

    test('delta-rs and DuckDB return exactly the acked rows of every table, types included', () => {
      assert.equal(verdicts.length, SCENARIOS.length * 2);
      const differences = verdicts
        .filter((v) => v.difference !== undefined)
        .map((v) => `${v.reader} / ${v.table.files.name}: ${v.difference}`);
      assert.deepEqual(differences, []);
    });
  });
}
