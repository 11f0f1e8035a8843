/**
 * The columns scenarios share: full-speed throughput and acknowledgement latency, from per-run results.
 */
import type { ThroughputRun } from '../harness/measure.js';
import { figure, type Figure, type Target } from '../harness/results.js';
import type { LatencyPercentiles } from '../harness/stats.js';

/** Rows and MB per second, CPU per row on both sides, and the Delta lag of full-speed runs. */
export function throughputFigures(runs: readonly ThroughputRun[], targets: { rows?: Target; mb?: Target } = {}): Figure[] {
  return [
    figure('rows/s', 'acked', runs.map((r) => r.rowsPerSecond), 0, targets.rows),
    figure('MB/s', 'acked', runs.map((r) => r.megabytesPerSecond), 1, targets.mb),
    figure('server CPU', 's per M rows', runs.map((r) => r.serverCpuPerMillion), 2),
    figure('client CPU', 's per M rows', runs.map((r) => r.clientCpuPerMillion), 2),
    figure('Delta lag', 'ms after last ack', runs.map((r) => r.deltaLagMs), 0),
  ];
}

/** ACK latency p50/p95/p99/max of paced runs (each percentile's median over the runs). */
export function latencyFigures(runs: readonly LatencyPercentiles[], p99Target?: Target): Figure[] {
  return [
    figure('ack p50', 'ms', runs.map((r) => r.p50), 2),
    figure('ack p95', 'ms', runs.map((r) => r.p95), 2),
    figure('ack p99', 'ms', runs.map((r) => r.p99), 2, p99Target),
    figure('ack max', 'ms', runs.map((r) => r.max), 1),
  ];
}
