/**
 * Tributary servers already running on this machine when a bench starts. Idle ones still wake for their
 * flush and compaction timers, and a dozen left behind by interrupted experiments cut the figures of a
 * whole run by a tenth without showing in the load average at its start.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Process ids of other `tributary serve` processes (Linux `/proc`; none found elsewhere). */
export function otherTributaryServers(): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const runsCli = args.some((a) => a.endsWith('src/cli/main.ts') || a.endsWith('/tributary') || a === 'tributary');
    if (runsCli && args.includes('serve')) pids.push(Number(entry));
  }
  return pids;
}
