/**
 * Runs the real `tributary` CLI as a child process (through tsx, as `npx tributary` does from a checkout) and
 * reads its aligned-table output.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `tributary <args>` with `input` on stdin; the environment has no TRIBUTARY_* unless given. */
export function runCli(args: readonly string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<CliRun> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TRIBUTARY_')));
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'src', 'cli', 'main.ts'), ...args],
      { cwd: root, env: { ...env, ...opts.env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(opts.input ?? '');
  });
}

/**
 * Splits the output of `formatTextTable` blocks back into rows, using the dashes line for column boundaries
 * (values may contain single spaces). Returns one entry per table printed.
 */
export function parseTables(stdout: string): { columns: string[]; rows: string[][] }[] {
  const lines = stdout.split('\n');
  const tables: { columns: string[]; rows: string[][] }[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (!/^-+( +-+)*$/.test(lines[i]!)) continue;
    const starts = [...lines[i]!.matchAll(/-+/g)].map((m) => m.index!);
    const cut = (line: string) => starts.map((s, j) => line.slice(s, starts[j + 1] ?? line.length).trim());
    const rows: string[][] = [];
    for (let j = i + 1; j < lines.length && lines[j] !== '' && !/^\(\d+ rows?\)$/.test(lines[j]!); j++) rows.push(cut(lines[j]!));
    tables.push({ columns: cut(lines[i - 1]!), rows });
  }
  return tables;
}
