/**
 * Runs `tributary serve` as a child process on ephemeral ports, the way a user runs it, so tests can
 * kill -9 it and restart it on the same data directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(REPO_ROOT, 'src/cli/main.ts');

export interface ServerProcess {
  readonly proc: ChildProcess;
  readonly zerobusEndpoint: string;
  readonly ucUrl: string;
  /** Everything the server printed so far. */
  output(): string;
  /** SIGKILL, then wait for the process to be gone. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful), then wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts a server on `dataDir` and resolves once it printed both endpoints. `nodeArgs` go to Node itself
 * (the bench passes `--cpu-prof`), `env` is added to the environment.
 */
export async function startServerProcess(
  dataDir: string,
  extraArgs: readonly string[] = [],
  opts: { nodeArgs?: readonly string[]; env?: Readonly<Record<string, string>> } = {},
): Promise<ServerProcess> {
  const proc = spawn(
    process.execPath,
    [
      ...(opts.nodeArgs ?? []),
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
      ...extraArgs,
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TRIBUTARY_LOG_LEVEL: 'warn', ...opts.env } },
  );
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code, signal) => {
      if (signal) out += `\n[killed by ${signal}]\n`;
      resolve(code);
    }),
  );
  const endpoints = await new Promise<{ zerobus: string; uc: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${out}`)), 60_000);
    const check = (): void => {
      const zerobus = /Zerobus endpoint[^:]*:\s+(\S+)/.exec(out)?.[1];
      const uc = /Unity Catalog URL[^:]*:\s+(\S+)/.exec(out)?.[1];
      if (zerobus && uc) {
        clearTimeout(timer);
        proc.stdout!.off('data', check);
        resolve({ zerobus, uc });
      }
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before starting:\n${out}`));
    });
  });
  return {
    proc,
    zerobusEndpoint: endpoints.zerobus,
    ucUrl: endpoints.uc,
    output: () => out,
    kill9: async () => {
      proc.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      proc.kill('SIGTERM');
      return exited;
    },
  };
}
