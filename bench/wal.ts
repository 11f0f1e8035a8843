/**
 * WAL throughput: concurrent producers appending fixed-size payloads for a few seconds each, with real
 * fdatasync, then a replay of everything written. Prints appends/s, MB/s, fsyncs/s and frames per group.
 *
 *   node --import tsx bench/wal.ts [--seconds 2] [--dir /path/on/the/disk/to/measure]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULTS, type WalSettings } from '../src/server/config.js';
import { TableWal, WAL_ORIGIN, crc32c } from '../src/wal/index.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '2' }, dir: { type: 'string' } } });
const seconds = Number(values.seconds);
const baseDir = values.dir ?? os.tmpdir();

const SETTINGS: WalSettings = {
  groupCommitMs: DEFAULTS.groupCommitMs,
  groupCommitBytes: DEFAULTS.groupCommitBytes,
  segmentBytes: DEFAULTS.segmentBytes,
  fsync: true,
};

const CASES: { payloadBytes: number; producers: number; fsync: boolean }[] = [
  { payloadBytes: 256, producers: 1, fsync: true },
  { payloadBytes: 256, producers: 256, fsync: true },
  { payloadBytes: 4096, producers: 64, fsync: true },
  { payloadBytes: 64 * 1024, producers: 32, fsync: true },
  { payloadBytes: 1024 * 1024, producers: 8, fsync: true },
  { payloadBytes: 64 * 1024, producers: 32, fsync: false },
];

const MB = 1024 * 1024;
const rows: string[][] = [];

for (const c of CASES) {
  const dir = await mkdtemp(path.join(baseDir, 'wal-bench-'));
  try {
    const wal = await TableWal.open(dir, { ...SETTINGS, fsync: c.fsync });
    const payload = randomBytes(c.payloadBytes);
    const start = performance.now();
    const deadline = start + seconds * 1000;
    const producer = async () => {
      while (performance.now() < deadline) await wal.append(payload);
    };
    await Promise.all(Array.from({ length: c.producers }, producer));
    const elapsed = (performance.now() - start) / 1000;
    const { appends, groups, bytes } = wal.stats();

    const replayStart = performance.now();
    let replayed = 0;
    for await (const frame of wal.replay(WAL_ORIGIN)) replayed += frame.payload.length;
    const replaySeconds = (performance.now() - replayStart) / 1000;
    await wal.close();

    rows.push([
      formatBytes(c.payloadBytes),
      String(c.producers),
      c.fsync ? 'on' : 'off',
      fixed(appends / elapsed, 0),
      fixed(bytes / MB / elapsed, 1),
      c.fsync ? fixed(groups / elapsed, 0) : '-',
      fixed(appends / groups, 1),
      fixed(replayed / MB / replaySeconds, 0),
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

printTable(['payload', 'producers', 'fsync', 'appends/s', 'MB/s', 'fsyncs/s', 'frames/group', 'replay MB/s'], rows);

const crcInput = randomBytes(64 * MB);
const crcStart = performance.now();
crc32c(crcInput);
console.log(`\nCRC32C: ${fixed(64 / ((performance.now() - crcStart) / 1000), 0)} MB/s on a 64 MiB buffer`);

function printTable(header: string[], body: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padStart(widths[i]!)).join('  ');
  console.log(`WAL append benchmark, ${seconds} s per row, in ${baseDir}`);
  console.log(line(header));
  for (const row of body) console.log(line(row));
}

function fixed(n: number, digits: number): string {
  return n.toFixed(digits);
}

function formatBytes(n: number): string {
  return n >= MB ? `${n / MB} MiB` : n >= 1024 ? `${n / 1024} KiB` : `${n} B`;
}
