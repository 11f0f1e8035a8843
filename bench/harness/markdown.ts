/**
 * Markdown rendering of bench results: one table per scenario, each figure as `median [min–max]`, and a
 * column saying which targets were met or missed.
 */
import { meetsTarget, type Figure, type ProfileSummary, type ResultRow, type ScenarioResult } from './results.js';

const MIB = 1024 * 1024;

/** `n` with thousands separators and `digits` decimals. */
export function formatNumber(n: number, digits: number): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function formatFigure(f: Figure): string {
  const { median, min, max, runs } = f.value;
  const value = formatNumber(median, f.digits);
  return runs.length > 1 ? `${value} [${formatNumber(min, f.digits)}–${formatNumber(max, f.digits)}]` : value;
}

function formatTarget(f: Figure): string | undefined {
  const met = meetsTarget(f);
  if (met === undefined || !f.target) return undefined;
  const goal = 'atLeast' in f.target ? `≥ ${formatNumber(f.target.atLeast, 0)}` : `≤ ${formatNumber(f.target.atMost, 2)}`;
  return `${f.name} ${goal}: ${met ? 'met' : '**missed**'}`;
}

function table(header: readonly string[], body: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n');
}

const figureKey = (f: Figure): string => `${f.name} (${f.unit})`;

/** Rows with the same figures share a table; a scenario whose rows measure different things gets several. */
function groupRows(rows: readonly ResultRow[]): ResultRow[][] {
  const groups = new Map<string, ResultRow[]>();
  for (const row of rows) {
    const key = row.figures.map(figureKey).join('\n');
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()];
}

function renderRows(rows: readonly ResultRow[]): string {
  const labelKeys = [...new Set(rows.flatMap((r) => Object.keys(r.labels)))];
  const figureKeys = rows[0]!.figures.map(figureKey);
  const hasTargets = rows.some((r) => r.figures.some((f) => f.target));
  const header = [...labelKeys, ...figureKeys, ...(hasTargets ? ['targets'] : [])];
  const body = rows.map((row) => [
    ...labelKeys.map((k) => row.labels[k] ?? ''),
    ...row.figures.map(formatFigure),
    ...(hasTargets ? [row.figures.flatMap((f) => formatTarget(f) ?? []).join('; ')] : []),
  ]);
  return table(header, body);
}

/** A scenario's figures as a markdown section. */
export function renderScenario(result: ScenarioResult): string {
  const parts = [`### ${result.title}`];
  for (const rows of groupRows(result.rows)) parts.push('', renderRows(rows));
  const servers = Object.entries(result.serverPeakRssBytes);
  if (servers.length > 0) {
    const rss = servers.map(([label, bytes]) => `${label} ${formatNumber(bytes / MIB, 0)} MiB`).join(', ');
    const worst = Math.max(...servers.map(([, bytes]) => bytes));
    parts.push('', `Peak server RSS (VmHWM): ${rss} (target < 1,024 MiB: ${worst < 1024 * MIB ? 'met' : '**missed**'})`);
  }
  for (const note of result.notes) parts.push('', note);
  for (const profile of result.profiles) parts.push('', renderProfile(profile));
  return parts.join('\n');
}

function renderProfile(p: ProfileSummary): string {
  const shares = (xs: ProfileSummary['top']) => xs.map((t) => `${formatNumber(t.selfPercent, 1)}% ${t.name}`);
  return [
    `Server CPU profile \`${p.file}\`: ${formatNumber(p.sampledMs, 0)} ms sampled, ${formatNumber(p.idlePercent, 1)}% idle.`,
    `Self time by area (% of busy time): ${shares(p.areas).join(', ')}.`,
    '',
    table(['self %', 'function'], p.top.map((t) => [formatNumber(t.selfPercent, 1), t.name])),
  ].join('\n');
}
