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
 * Runs `tributary ...args`; `stdin` is written to the child's standard input (closed either way). Inherited
 * `TRIBUTARY_*` variables are dropped so tests do not depend on the shell; `env` adds variables.
 */
export async function runCli(
  args: readonly string[],
  opts: { stdin?: string | Buffer; env?: Record<string, string>; cwd?: string } = {},
): Promise<CliResult> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TRIBUTARY_')));
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...inherited, ...opts.env },
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

/** Like {@link runCli}, but rejects with the command's stderr when it exits non-zero. */
export async function runCliOk(args: readonly string[], opts: Parameters<typeof runCli>[1] = {}): Promise<CliResult> {
  const result = await runCli(args, opts);
  if (result.code !== 0) throw new Error(`tributary ${args.join(' ')} exited with ${result.code}: ${result.stderr}`);
  return result;
}

/**
 * What an operator does before a producer can stream: creates the table with `ddl` (`CREATE TABLE <table> ...`
 * is built from it), a principal, and the grants the Zerobus SDKs ask for. Returns the principal's credentials.
 */
export async function setUpProducer(
  dataDir: string,
  opts: { table: string; columns: string; principal: string },
): Promise<{ clientId: string; clientSecret: string }> {
  const [catalog, schema] = opts.table.split('.');
  await runCliOk(['sql', '--data-dir', dataDir, `CREATE TABLE ${opts.table} (${opts.columns})`]);
  const created = await runCliOk(['principal', 'create', opts.principal, '--data-dir', dataDir]);
  await runCliOk([
    'sql',
    '--data-dir',
    dataDir,
    `GRANT USE CATALOG ON CATALOG ${catalog} TO \`${opts.principal}\`;
     GRANT USE SCHEMA ON SCHEMA ${catalog}.${schema} TO \`${opts.principal}\`;
     GRANT SELECT, MODIFY ON TABLE ${opts.table} TO \`${opts.principal}\``,
  ]);
  return {
    clientId: /client_id: (\S+)/.exec(created.stdout)![1]!,
    clientSecret: /client_secret: (\S+)/.exec(created.stdout)![1]!,
  };
}

/** Runs `tributary query --format json` over the data directory's tables. */
export async function queryJson<T>(dataDir: string, sql: string): Promise<T[]> {
  const { stdout } = await runCliOk(['query', '--data-dir', dataDir, '--format', 'json', sql]);
  return JSON.parse(stdout) as T[];
}
