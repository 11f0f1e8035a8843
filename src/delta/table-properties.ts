/**
 * The Delta table properties that steer maintenance, read from a table's `metaData.configuration` with
 * Delta's defaults.
 */
import { TributaryError } from '../errors.js';

const DAY_MS = 86_400_000;
/** `delta.logRetentionDuration` default: 30 days. */
export const DEFAULT_LOG_RETENTION_MS = 30 * DAY_MS;
/** `delta.deletedFileRetentionDuration` default: 7 days. */
export const DEFAULT_DELETED_FILE_RETENTION_MS = 7 * DAY_MS;

const UNIT_MS: Record<string, number> = {
  millisecond: 1,
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: DAY_MS,
  week: 7 * DAY_MS,
};

/** Parses Delta's interval spelling, e.g. `interval 30 days`, `interval 1 hour`, into milliseconds. */
export function parseInterval(text: string): number {
  const m = /^\s*(?:interval\s+)?(\d+)\s+([a-z]+?)s?\s*$/i.exec(text);
  const unit = m ? UNIT_MS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new TributaryError('invalid_argument', `cannot read the interval ${JSON.stringify(text)}`);
  }
  return Number(m[1]) * unit;
}

/** Maintenance settings of one table. */
export interface RetentionSettings {
  /** How long JSON commits and checkpoints are kept (log cleanup). */
  readonly logRetentionMs: number;
  /** How long removed data files are kept before VACUUM may delete them. */
  readonly deletedFileRetentionMs: number;
}

export function retentionOf(configuration: Readonly<Record<string, string>>): RetentionSettings {
  const log = configuration['delta.logRetentionDuration'];
  const deleted = configuration['delta.deletedFileRetentionDuration'];
  return {
    logRetentionMs: log === undefined ? DEFAULT_LOG_RETENTION_MS : parseInterval(log),
    deletedFileRetentionMs: deleted === undefined ? DEFAULT_DELETED_FILE_RETENTION_MS : parseInterval(deleted),
  };
}

/** `delta.checkpointInterval` when the table sets it, else the server's setting. */
export function checkpointIntervalOf(configuration: Readonly<Record<string, string>>, fallback: number): number {
  const raw = configuration['delta.checkpointInterval'];
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
