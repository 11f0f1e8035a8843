/**
 * Summaries of V8 `.cpuprofile` files (written by `node --cpu-prof`): self time per function, so a report
 * can name the server's hot spots without opening a profiler.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProfileSummary, SelfShare } from './results.js';

interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * `name file:line` with the path shortened to what follows `node_modules/` or the repository's `src/`.
 * Lines are left out for TypeScript files (tsx transpiles them, so profile lines do not match) and
 * WebAssembly functions are pooled per module (parquet-wasm ships without function names).
 */
function frameName(frame: CpuProfile['nodes'][number]['callFrame']): string {
  if (frame.url.startsWith('wasm://')) return `(WebAssembly ${frame.url.replace(/^wasm:\/\/wasm\//, '')})`;
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const file = fileOf(frame.url);
  return file.endsWith('.ts') ? `${name} ${file}` : `${name} ${file}:${frame.lineNumber + 1}`;
}

function fileOf(url: string): string {
  return url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '').replace(/^.*\/(src\/)/, '$1');
}

/**
 * Where a frame's code lives: a directory of `src/`, an npm package, Node's internals, WebAssembly, or a
 * V8 pseudo-frame such as `(garbage collector)`.
 */
function areaOf(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const { url } = frame;
  if (url.startsWith('wasm://')) return 'WebAssembly (parquet-wasm)';
  if (url.startsWith('node:')) return 'Node.js internals';
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : 'native (V8 builtins, bindings)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  const dir = /\/(src\/[^/]+)\//.exec(url)?.[1];
  return dir ?? fileOf(url);
}

/** The `count` largest entries of `totals` (microseconds) as percentages of `busyUs`. */
function largest(totals: ReadonlyMap<string, number>, busyUs: number, count: number): SelfShare[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({ name, selfPercent: (us / busyUs) * 100 }));
}

/** Self time of `profile` per function and per code area, as percentages of the non-idle time. */
export function summarizeProfile(file: string, profile: CpuProfile, count: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id);
    total += us;
    if (!frame || frame.functionName === '(idle)') {
      idle += us;
      return;
    }
    const name = frameName(frame);
    const area = areaOf(frame);
    functions.set(name, (functions.get(name) ?? 0) + us);
    areas.set(area, (areas.get(area) ?? 0) + us);
  });
  const busy = Math.max(1, total - idle);
  return {
    file,
    sampledMs: total / 1000,
    idlePercent: total > 0 ? (idle / total) * 100 : 0,
    top: largest(functions, busy, count),
    areas: largest(areas, busy, 8),
  };
}

/** Summaries of every profile in `dir` (one per thread), busiest first. */
export async function summarizeProfiles(dir: string, count = 15): Promise<ProfileSummary[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const summaries = await Promise.all(
    files.map(async (f) => {
      const profile = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as CpuProfile;
      return summarizeProfile(path.join(dir, f), profile, count);
    }),
  );
  const busyMs = (s: ProfileSummary) => s.sampledMs * (1 - s.idlePercent / 100);
  return summaries.sort((a, b) => busyMs(b) - busyMs(a));
}
