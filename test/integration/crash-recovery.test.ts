/**
 * kill -9 the server at random moments while the official client streams, ten times in a row, restarting
 * on the same data directory each time: every record the client saw acked is in the Delta table exactly
 * once, nothing is duplicated, and delta-rs reads the table.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadOfficialSdk } from '../helpers/official-sdk.js';
import { ensureVenv } from '../helpers/python.js';
import { queryJson, setUpProducer } from '../helpers/run-cli.js';
import { startServerProcess } from '../helpers/server-process.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const { ZerobusSdk, RecordType } = loadOfficialSdk();
const TABLE = 'main.default.crash_test';
const ROUNDS = 10;

let dataDir: string;
let creds: { clientId: string; clientSecret: string };

before(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tributary-crash-'));
  creds = await setUpProducer(dataDir, {
    table: TABLE,
    columns: 'id STRING NOT NULL, round INT, n BIGINT, pad STRING',
    principal: 'crasher',
  });
});

after(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Streams batches until the server dies; returns the ids of every batch the client saw acked. */
async function streamUntilKilled(round: number, endpoint: string, ucUrl: string, kill: () => Promise<void>): Promise<string[]> {
  const sdk = new ZerobusSdk(endpoint, ucUrl);
  const stream = await sdk.createStream({ tableName: TABLE }, creds.clientId, creds.clientSecret, {
    recordType: RecordType.Json,
    recovery: false,
  });
  const acked: string[] = [];
  const killAfter = 200 + Math.floor(Math.random() * 1500);
  const killer = new Promise<void>((resolve) => setTimeout(() => void kill().then(resolve), killAfter));
  let n = 0;
  try {
    for (;;) {
      const batch = Array.from({ length: 200 }, () => {
        const id = `r${round}-${n}`;
        return { id, round, n: n++, pad: 'x'.repeat(100) };
      });
      await stream.ingestRecords(batch);
      acked.push(...batch.map((r) => r.id));
    }
  } catch {
    // The server was killed: the client's call fails; what it saw acked is what must survive.
  }
  await killer;
  return acked;
}

test(`kill -9 at random moments, ${ROUNDS} times: every acked record is in the table exactly once`, { timeout: 300_000 }, async () => {
  const acked: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const server = await startServerProcess(dataDir, ['--flush-interval-ms', String(100 + Math.floor(Math.random() * 400))]);
    const ids = await streamUntilKilled(round, server.zerobusEndpoint, server.ucUrl, () => server.kill9());
    acked.push(...ids);
  }
  assert.ok(acked.length > 0, 'the client saw acks before the kills');

  // A last start replays what the final kill left in the WAL; a graceful stop commits it.
  const server = await startServerProcess(dataDir);
  assert.equal(await server.stop(), 0, server.output());

  const counted = await queryJson<{ id: string; copies: number }>(dataDir, `SELECT id, count(*) AS copies FROM ${TABLE} GROUP BY id`);
  const copies = new Map<string, number>(counted.map((r) => [r.id, Number(r.copies)]));
  const duplicated = [...copies].filter(([, c]) => c > 1);
  assert.deepEqual(duplicated, [], 'no row is duplicated');
  const lost = acked.filter((id) => copies.get(id) !== 1);
  assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acked records missing`);

  // An independent reader agrees, and the log has no orphan: every add points at a file that exists.
  const { python } = await ensureVenv();
  const script = `
import sys, json, os
from deltalake import DeltaTable
dt = DeltaTable(sys.argv[1])
ids = dt.to_pyarrow_table(columns=["id"]).column("id").to_pylist()
missing = [f for f in dt.file_uris() if not os.path.exists(f.replace("file://", ""))]
print(json.dumps({"rows": len(ids), "distinct": len(set(ids)), "missing_files": missing, "version": dt.version()}))
`;
  const location = path.join(dataDir, 'tables', 'main', 'default', 'crash_test');
  const out = await promisify(execFile)(python, ['-c', script, location]);
  const report = JSON.parse(out.stdout) as { rows: number; distinct: number; missing_files: string[] };
  assert.equal(report.rows, report.distinct);
  assert.equal(report.rows, copies.size);
  assert.deepEqual(report.missing_files, []);
});
