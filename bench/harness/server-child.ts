/**
 * `tributary serve` as a child process on ephemeral ports with a temporary data directory, so the server's
 * CPU and memory are its own (measured through /proc) and never mixed with the clients driving it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServerProcess, type ServerProcess } from '../../test/helpers/server-process.js';
import { processCpuSeconds, processPeakRssBytes } from './proc-stats.js';

/**
 * The environment docs/performance.md recommends for a server under heavy load: glibc's malloc otherwise
 * raises its mmap threshold as large buffers are freed, and the freed megabytes then stay in the process
 * heap (wide table, 4 streams, back to back: peak RSS 1.12–1.22 GiB without, 0.96 GiB with).
 */
const DEPLOYMENT_ENV = { MALLOC_MMAP_THRESHOLD_: '1048576' };

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
  let server: ServerProcess;
  try {
    server = await startServerProcess(dataDir, ['--log-level', 'warn', ...(options.serveArgs ?? [])], {
      nodeArgs: options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [],
      env: DEPLOYMENT_ENV,
    });
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const pid = server.proc.pid!;
  return {
    pid,
    dataDir,
    zerobusEndpoint: server.zerobusEndpoint,
    unityCatalogUrl: server.ucUrl,
    cpuSeconds: () => processCpuSeconds(pid),
    peakRssBytes: () => processPeakRssBytes(pid),
    stop: async () => {
      const code = await server.stop();
      await rm(dataDir, { recursive: true, force: true });
      if (code !== 0) throw new Error(`server exited with ${code} on SIGTERM:\n${server.output()}`);
    },
  };
}
