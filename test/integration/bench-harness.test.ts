/**
 * `npm run bench` as a user runs it, in its --quick smoke mode: the harness starts server children, drives
 * every scenario, prints markdown and writes a well-formed JSON result. The figures are not checked (a
 * shared machine makes them meaningless to assert), only that each is a real measurement.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { SCENARIO_NAMES } from '../../bench/harness/options.js';
import { otherTributaryServers } from '../../bench/harness/other-servers.js';
import { parseCpuTicks, parseStatusBytes } from '../../bench/harness/proc-stats.js';
import type { BenchResult } from '../../bench/harness/results.js';
import { percentiles, spread } from '../../bench/harness/stats.js';
import { REPO_ROOT } from '../helpers/server-process.js';

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/main.ts', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => proc.once('exit', (code) => resolve({ code, stdout, stderr })));
}

test('bench --quick --profile runs every scenario and writes a well-formed result', { timeout: 600_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-harness-'));
  try {
    const out = path.join(dir, 'result.json');
    const { code, stdout, stderr } = await runBench(['--quick', '--profile', '--out', out]);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(await readFile(out, 'utf8')) as BenchResult;

    assert.deepEqual(result.scenarios.map((s) => s.name), [...SCENARIO_NAMES]);
    assert.equal(result.options.quick, true);
    for (const scenario of result.scenarios) {
      assert.ok(scenario.rows.length > 0, `${scenario.name} has rows`);
      assert.ok(stdout.includes(`### ${scenario.title}`), `${scenario.name} printed`);
      for (const row of scenario.rows) {
        for (const f of row.figures) {
          const where = `${scenario.name} ${JSON.stringify(row.labels)} ${f.name}`;
          assert.equal(f.value.runs.length, 1, `${where}: one run in --quick`);
          assert.ok(Number.isFinite(f.value.median) && f.value.median >= 0, `${where}: ${f.value.median}`);
          assert.ok(f.value.min <= f.value.median && f.value.median <= f.value.max, where);
        }
      }
      // Every scenario but the in-process materializer ran at least one server child.
      const servers = Object.values(scenario.serverPeakRssBytes);
      if (scenario.name !== 'materialize') {
        assert.ok(servers.length > 0, `${scenario.name} ran a server`);
        assert.ok(servers.every((bytes) => bytes > 10 * 1024 * 1024), `${scenario.name} RSS read from /proc`);
        assert.ok(scenario.profiles.length > 0, `${scenario.name} has profile summaries`);
      }
    }

    // Throughput rows carry their targets; the ratio rows of the client comparison exist for both formats.
    const air = result.scenarios.find((s) => s.name === 'air_quality')!;
    assert.deepEqual(
      air.rows.map((r) => `${r.labels.format} ${r.labels.record}`),
      ['proto 215 B', 'proto 1024 B', 'proto 4096 B', 'proto 16384 B', 'json 215 B', 'json 1024 B', 'json 4096 B', 'json 16384 B'],
    );
    const first = air.rows[0]!.figures.find((f) => f.name === 'rows/s')!;
    assert.deepEqual(first.target, { atLeast: 500_000 });
    assert.ok(first.value.median > 0);
    const clients = result.scenarios.find((s) => s.name === 'clients')!;
    assert.deepEqual(
      clients.rows.filter((r) => r.labels.client === 'ours/official').map((r) => r.labels.format),
      ['proto', 'json'],
    );

    // The server's profile names real code: the main thread spends time in Tributary's ingest modules.
    const areas = air.profiles.flatMap((p) => p.areas.map((a) => a.name));
    assert.ok(areas.includes('src/ingest'), areas.join(', '));
    const profileDirs = await readdir(`${out.replace(/\.json$/, '')}-profiles`);
    assert.ok(profileDirs.includes('air_quality-proto-215B'), profileDirs.join(', '));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bench refuses an unknown scenario before starting anything', async () => {
  const { code, stderr } = await runBench(['--only', 'air_quality,nope']);
  assert.equal(code, 2);
  assert.match(stderr, /unknown scenario 'nope'; choose from air_quality, wide, latency, clients, end_to_end, materialize/);
});

test('/proc parsing: CPU ticks after a command name with spaces and parentheses, VmHWM in bytes', () => {
  const stat = '4242 (node (tributary) x) S 1 4242 4242 0 -1 4194560 9000 0 12 0 731 129 0 0 20 0 11 0 5000';
  assert.equal(parseCpuTicks(stat), 731 + 129);
  assert.equal(parseStatusBytes('Name:\tnode\nVmHWM:\t  524288 kB\nVmRSS:\t  1024 kB\n', 'VmHWM'), 512 * 1024 * 1024);
  assert.throws(() => parseStatusBytes('Name:\tnode\n', 'VmHWM'), /no VmHWM/);
});

test('summaries: median of an even count, nearest-rank percentiles', () => {
  assert.deepEqual(spread([3, 1, 4, 2]), { median: 2.5, min: 1, max: 4, runs: [3, 1, 4, 2] });
  const samples = Array.from({ length: 200 }, (_, i) => 200 - i);
  assert.deepEqual(percentiles(samples), { count: 200, p50: 100, p95: 190, p99: 198, max: 200 });
  assert.deepEqual(percentiles([]), { count: 0, p50: 0, p95: 0, p99: 0, max: 0 });
});

test('the bench finds Tributary servers already running, which would take CPU from its figures', async () => {
  // A process whose command line is a server's: `node … src/cli/main.ts serve`.
  const fake = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)', path.join(REPO_ROOT, 'src/cli/main.ts'), 'serve'], {
    stdio: 'ignore',
  });
  try {
    await new Promise((resolve) => fake.once('spawn', resolve));
    assert.ok(otherTributaryServers().includes(fake.pid!), 'a running server is found');
  } finally {
    fake.kill();
  }
  await new Promise((resolve) => fake.once('exit', resolve));
  assert.ok(!otherTributaryServers().includes(fake.pid!), 'a stopped one is not');
  assert.ok(!otherTributaryServers().includes(process.pid), 'the bench itself is not');
});
