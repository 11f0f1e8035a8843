/**
 * Runs the real `tributary` CLI as a child process (through tsx, as `npx tributary` does from a checkout) and
 * reads its aligned-table output.
 */
export { runCli } from '../helpers/run-cli.js';

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
