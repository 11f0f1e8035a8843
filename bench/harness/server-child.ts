/**
 * `tributary serve` as a child process on ephemeral ports with a temporary data directory, so the server's
 * CPU and memory are its own (measured through /proc) and never mixed with the clients driving it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpuSeconds, processPeakRssBytes } from './proc-stats.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(REPO_ROOT, 'src/cli/main.ts');
const START_TIMEOUT_MS = 60_000;

export interface BenchServerOptions {
  /** Write a V8 CPU profile of the server (every thread) into this directory when it exits. */
  readonly cpuProfileDir?: string;
  /** Extra `tributary serve` flags. */
  readonly serveArgs?: readonly string[];
}

/** A running server child. */
export interface BenchServer {
  readonly pid: number;
  readonly dataDir: string;
  readonly zerobusEndpoint: string;
  readonly unityCatalogUrl: string;
  /** CPU seconds the server has used so far, every thread counted. */
  cpuSeconds(): Promise<number>;
  /** Peak resident set size so far (VmHWM), in bytes. */
  peakRssBytes(): Promise<number>;
  /** Graceful stop (SIGTERM: drain, final Delta commit), then removes the data directory. */
  stop(): Promise<void>;
}

/** Starts `tributary serve` and resolves once it printed its endpoints. */
export async function startBenchServer(options: BenchServerOptions = {}): Promise<BenchServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tributary-bench-'));
  const nodeArgs = options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      '--import',
      'tsx',
      CLI,
      'serve',
      '--data-dir',
      dataDir,
      '--grpc-port',
      '0',
      '--http-port',
      '0',
      '--log-level',
      'warn',
      ...(options.serveArgs ?? []),
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const cleanup = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const endpoints = await new Promise<{ zerobus: string; uc: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${output}`)), START_TIMEOUT_MS);
      const check = (): void => {
        const zerobus = /Zerobus endpoint[^:]*:\s+(\S+)/.exec(output)?.[1];
        const uc = /Unity Catalog URL[^:]*:\s+(\S+)/.exec(output)?.[1];
        if (zerobus && uc) {
          clearTimeout(timer);
          resolve({ zerobus, uc });
        }
      };
      child.stdout.on('data', check);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code} before starting:\n${output}`));
      });
    });
    const pid = child.pid!;
    return {
      pid,
      dataDir,
      zerobusEndpoint: endpoints.zerobus,
      unityCatalogUrl: endpoints.uc,
      cpuSeconds: () => processCpuSeconds(pid),
      peakRssBytes: () => processPeakRssBytes(pid),
      stop: async () => {
        child.kill('SIGTERM');
        const code = await exited;
        await rm(dataDir, { recursive: true, force: true });
        if (code !== 0) throw new Error(`server exited with ${code} on SIGTERM:\n${output}`);
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
