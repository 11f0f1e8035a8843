/**
 * Runs a `tributary` command as a child process, the way a user types it, and collects what it printed.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './server-process.js';

const CLI = path.join(REPO_ROOT, 'src/cli/main.ts');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `tributary ...args`; `stdin` is written to the child's standard input (closed either way). `env`
 * replaces the inherited variables of the same names.
 */
export async function runCli(
  args: readonly string[],
  opts: { stdin?: string | Buffer; env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => {
    // The command may exit before reading all of stdin; its exit code tells what happened.
  });
  child.stdin.end(opts.stdin ?? '');
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c));
  });
  return { code, stdout, stderr };
}
