/**
 * CPU time and peak memory of another process, read from Linux's /proc: how the bench charges work to the
 * server child rather than to the clients driving it.
 */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/**
 * User + system clock ticks of every thread of the process, from the text of `/proc/<pid>/stat`. The
 * command name (field 2) may hold spaces and parentheses, so fields are counted after its last `)`.
 */
export function parseCpuTicks(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc stat line: ${stat}`);
  return utime + stime;
}

/** A `kB` field of `/proc/<pid>/status` (`VmHWM`, `VmRSS`), in bytes. */
export function parseStatusBytes(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc status`);
  return Number(match[1]) * 1024;
}

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of /proc CPU times. */
function clockTicksPerSecond(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** CPU seconds (user + system, all threads) the process `pid` has used so far. */
export async function processCpuSeconds(pid: number): Promise<number> {
  return parseCpuTicks(await readFile(`/proc/${pid}/stat`, 'utf8')) / clockTicksPerSecond();
}

/** The process's peak resident set size so far (`VmHWM`), in bytes. */
export async function processPeakRssBytes(pid: number): Promise<number> {
  return parseStatusBytes(await readFile(`/proc/${pid}/status`, 'utf8'), 'VmHWM');
}
