/**
 * `npm run test:compat`: every official SDK through every scenario, every table through every reader, and
 * the matrices of both. Installs what it needs (venv sets, Maven and Cargo builds cached under
 * `.cache/compat/`). Exits non-zero when any cell fails; an SDK that cannot be built here is shown as
 * skipped with the reason.
 *
 * Options: `--sdk typescript,rust` and `--readers delta-rs,duckdb` narrow the run.
 */
import { DRIVERS, type SdkDriver } from './harness/drivers.js';
import { READERS, type ReaderName } from './harness/readers.js';
import { SCENARIOS } from './harness/scenario-env.js';
import { checkReaders, runSdk, type SdkRun, type WrittenTable } from './harness/suite.js';

function option(name: string): string[] | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : (process.argv[i + 1] ?? '').split(',').filter((s) => s !== '');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const sdks = option('sdk');
  const drivers: SdkDriver[] = DRIVERS.filter((d) => !sdks || sdks.includes(d.name));
  const readers = (option('readers') ?? READERS) as ReaderName[];
  const started = Date.now();

  const runs: SdkRun[] = [];
  for (const driver of drivers) {
    process.stderr.write(`[compat] ${driver.name}: ${driver.version}\n`);
    try {
      runs.push(await runSdk(driver));
    } catch (e) {
      runs.push({ sdk: driver.name, skipped: `FAILED before any scenario: ${(e as Error).message}` });
    }
  }
  const tables: WrittenTable[] = runs.flatMap((r) => ('tables' in r ? r.tables : []));
  process.stderr.write(`[compat] reading ${tables.length} tables with ${readers.join(', ')}\n`);
  let verdicts;
  try {
    verdicts = await checkReaders(tables, readers);
  } finally {
    for (const r of runs) if ('dispose' in r) await r.dispose();
  }

  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const details: string[] = [];
  const scenarioRows = runs.map((r) => {
    if (!('scenarios' in r)) {
      if (r.skipped.startsWith('FAILED')) failed++;
      else skipped++;
      details.push(`${r.sdk}: ${r.skipped}`);
      return [r.sdk, ...SCENARIOS.map(() => (r.skipped.startsWith('FAILED') ? 'FAIL' : 'skipped'))];
    }
    return [
      r.sdk,
      ...SCENARIOS.map((s) => {
        const outcome = r.scenarios.get(s.name);
        if (!outcome) return '-';
        if (outcome.ok) {
          passed++;
          return 'pass';
        }
        failed++;
        details.push(`${r.sdk} / ${s.name}: ${outcome.detail}`);
        return 'FAIL';
      }),
    ];
  });
  const readerRows = tables.map((t) => [
    `${t.files.name} (${t.sdk})`,
    ...readers.map((reader) => {
      const verdict = verdicts.find((v) => v.table === t && v.reader === reader);
      if (verdict?.difference === undefined) {
        passed++;
        return 'identical';
      }
      failed++;
      details.push(`${reader} / ${t.files.name}: ${verdict.difference}`);
      return 'DIFFERS';
    }),
  ]);

  const out = [
    'SDK x scenario',
    table(['sdk', ...SCENARIOS.map((s) => s.name)], scenarioRows),
    '',
    `reader x table (rows as acked, types included)`,
    table(['table', ...readers], readerRows),
    '',
    ...(details.length > 0 ? ['details:', ...details.map((d) => `- ${d}`), ''] : []),
    `compat: ${Math.round((Date.now() - started) / 1000)} s`,
    `${passed} passed, ${failed} failed, ${skipped} skipped`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
