/**
 * The ACK promise under kill -9: a child process appends in a loop (fsync on, small segments so it rolls
 * over) and prints each position as soon as its append resolves; the parent kills it at a random moment,
 * reopens the WAL, and checks that every printed position is there with the right payload. Several rounds
 * run on the same directory, so recovery of one crash is followed by appends and another crash.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/server-process.js';
import { TableWal, WAL_ORIGIN } from '../../src/wal/index.js';

const SETTINGS = { groupCommitMs: 1, groupCommitBytes: 1024 * 1024, segmentBytes: 64 * 1024, fsync: true };
const ROUNDS = 4;

/** The payload of append `index` in crash round `round`: varied lengths and contents, recomputable. */
function payloadFor(round: number, index: number): Buffer {
  const tag = Buffer.from(`${round}/${index}|`);
  return Buffer.concat([tag, Buffer.alloc((index * 131) % 2000, index & 0xff)]);
}

// Plain JavaScript (tsx does not transform -e input); it imports the TypeScript sources through tsx.
const CHILD = `
import { writeSync } from 'node:fs';
import { TableWal } from ${JSON.stringify(path.join(REPO_ROOT, 'src/wal/index.ts'))};
const [dir, round, settings] = [process.argv[1], Number(process.argv[2]), JSON.parse(process.argv[3])];
const payloadFor = ${payloadFor.toString()};
const wal = await TableWal.open(dir, settings);
let next = 0;
const appendOne = () => {
  const index = next++;
  return wal.append(payloadFor(round, index)).then((seq) => {
    writeSync(1, seq + ' ' + index + '\\n');
    return appendOne();
  });
};
for (let i = 0; i < 16; i++) void appendOne();
`;

/** Runs one child until it has acknowledged `acksBeforeKill` appends, SIGKILLs it, and returns what it acked. */
async function crashRound(dir: string, round: number, acksBeforeKill: number): Promise<Map<number, number>> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', CHILD, dir, String(round), JSON.stringify(SETTINGS)],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const acked = new Map<number, number>();
  let pending = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => {
    child.once('exit', (_code, signal) => resolve(signal));
  });
  child.stdout.on('data', (d: Buffer) => {
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!; // a line cut by the kill is not an ack we can count on
    for (const line of lines) {
      const [seq, index] = line.split(' ').map(Number);
      acked.set(seq!, index!);
    }
    if (acked.size >= acksBeforeKill) child.kill('SIGKILL');
  });
  const signal = await exited;
  assert.equal(signal, 'SIGKILL', `the child should only end by the kill; stderr:\n${stderr}`);
  return acked;
}

test('every position acknowledged before kill -9 is recovered with its payload', { timeout: 120_000 }, async () => {
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'wal-crash-')), 'wal');
  try {
    const acked = new Map<number, { round: number; index: number }>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [seq, index] of await crashRound(dir, round, randomInt(20, 600))) {
        assert.ok(!acked.has(seq), `position ${seq} acknowledged twice`);
        acked.set(seq, { round, index });
      }

      const wal = await TableWal.open(dir, SETTINGS);
      const recovered = new Map<number, Buffer>();
      let expected = 1;
      for await (const frame of wal.replay(WAL_ORIGIN)) {
        assert.equal(frame.seq, expected++, 'positions are dense');
        recovered.set(frame.seq, Buffer.from(frame.payload));
      }
      assert.equal(wal.lastDurable, expected - 1);
      for (const [seq, { round: r, index }] of acked) {
        const what = `acknowledged position ${seq} (round ${r}, append ${index})`;
        assert.deepEqual(recovered.get(seq), payloadFor(r, index), what);
      }
      await wal.close();
    }
    assert.ok(acked.size >= ROUNDS * 20);
  } finally {
    await rm(path.dirname(dir), { recursive: true, force: true });
  }
});
