/**
 * CSV rows → JSON records for a table. The header row names the columns; each cell is converted by its
 * column's type to the JSON value Zerobus accepts (`shared/specs/types.md`), so a CSV export lands typed:
 *
 * - integers and floats from their decimal text; BIGINT beyond ±2^53 as decimal text (kept exact);
 * - BOOLEAN from `true` / `false` (any case); DECIMAL as its text (precision is checked by the server rules);
 * - DATE from integer days or `YYYY-MM-DD`;
 * - TIMESTAMP from integer microseconds or ISO-8601 with a zone (`2025-01-01T12:00:00.123456Z`, `+02:00`),
 *   TIMESTAMP_NTZ from integer microseconds or ISO-8601 without a zone;
 * - BINARY as base64 text; ARRAY, MAP, STRUCT and VARIANT as JSON text;
 * - STRING verbatim. An empty unquoted cell is NULL.
 */
import type { Column, DataType } from '../../catalog/types.js';
import { listNames, sqlType } from '../../ingest/record-error.js';
import type { CsvRow } from './csv-parser.js';
import { SourceError } from './source-error.js';

/** Turns the data rows of one CSV file into JSON records. */
export interface CsvRecordBuilder {
  /** The record for a data row; throws {@link SourceError} naming the line and column. */
  toRecord(row: CsvRow): Record<string, unknown>;
}

/** A cell that does not fit its column: the detail, without line or column. */
class CellProblem extends Error {}

type CellConverter = (text: string) => unknown;

/**
 * Checks the header against the table's columns (every name known, none twice, every NOT NULL column
 * present) and returns the converter for the rows after it.
 */
export function csvRecordBuilder(header: CsvRow, columns: readonly Column[]): CsvRecordBuilder {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const seen = new Set<string>();
  const targets = header.fields.map((name, i) => {
    if (name === null || name === '') throw new SourceError(header.line, `header field ${i + 1} is empty: the first row must name a column in every field`);
    const column = byName.get(name);
    if (!column) {
      throw new SourceError(header.line, `header names ${JSON.stringify(name)}, but the table has no such column; its columns are: ${listNames(columns.map((c) => c.name))}`);
    }
    if (seen.has(name)) throw new SourceError(header.line, `header names column ${name} twice`);
    seen.add(name);
    return { name, convert: converterFor(column.type) };
  });
  const missing = columns.filter((c) => !c.nullable && !seen.has(c.name)).map((c) => c.name);
  if (missing.length > 0) throw new SourceError(header.line, `header lacks NOT NULL column(s) ${listNames(missing)}`);

  return {
    toRecord(row: CsvRow): Record<string, unknown> {
      if (row.fields.length !== targets.length) {
        throw new SourceError(row.line, `row has ${row.fields.length} fields but the header has ${targets.length}`);
      }
      const record: Record<string, unknown> = {};
      for (let i = 0; i < targets.length; i++) {
        const { name, convert } = targets[i]!;
        const cell = row.fields[i]!;
        try {
          record[name] = cell === null ? null : convert(cell);
        } catch (e) {
          if (e instanceof CellProblem) throw new SourceError(row.line, `column ${name}: ${e.message}`);
          throw e;
        }
      }
      return record;
    },
  };
}

const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const MICROS_PER_DAY = 86_400_000_000;

function expected(what: string, text: string): CellProblem {
  const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  return new CellProblem(`expected ${what}, got ${JSON.stringify(shown)}`);
}

function converterFor(type: DataType): CellConverter {
  switch (type.kind) {
    case 'string':
    case 'binary':
      return (text) => text;
    case 'decimal':
      return (text) => text.trim();
    case 'boolean':
      return (text) => {
        const t = text.trim().toLowerCase();
        if (t === 'true') return true;
        if (t === 'false') return false;
        throw expected('true or false', text);
      };
    case 'byte':
    case 'short':
    case 'int':
      return (text) => integer(text, sqlType(type), false);
    case 'long':
      return (text) => integer(text, 'BIGINT', true);
    case 'float':
    case 'double':
      return (text) => {
        const t = text.trim();
        if (!FLOAT.test(t)) throw expected(`a ${sqlType(type)} number (NaN and Infinity cannot be sent as JSON)`, text);
        return Number(t);
      };
    case 'date':
      return (text) => {
        const t = text.trim();
        if (INTEGER.test(t)) return Number(t);
        const m = DATE.exec(t);
        if (!m) throw expected('a DATE as YYYY-MM-DD or integer days since 1970-01-01', text);
        return Math.round(utcMicros(m, 'UTC', text) / MICROS_PER_DAY);
      };
    case 'timestamp':
    case 'timestamp_ntz':
      return (text) => timestamp(text, type.kind === 'timestamp');
    case 'array':
    case 'map':
    case 'struct':
    case 'variant':
      return (text) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw expected(`JSON text for ${sqlType(type)}`, text);
        }
      };
  }
}

function integer(text: string, sql: string, exactBeyondDouble: boolean): number | string {
  const t = text.trim();
  if (!INTEGER.test(t)) throw expected(`an integer for ${sql}`, text);
  const n = Number(t);
  // JSON numbers are doubles: a BIGINT beyond ±2^53 travels as decimal text to stay exact.
  return exactBeyondDouble && !Number.isSafeInteger(n) ? t.replace(/^\+/, '') : n;
}

function timestamp(text: string, withZone: boolean): number | string {
  const t = text.trim();
  if (INTEGER.test(t)) return integer(t, 'TIMESTAMP', true);
  const m = DATE_TIME.exec(t);
  const form = withZone
    ? 'integer microseconds since the epoch, or ISO-8601 with a zone such as 2025-01-01T12:00:00Z'
    : 'integer microseconds, or ISO-8601 without a zone such as 2025-01-01T12:00:00';
  if (!m) throw expected(form, text);
  const zone = m[8];
  if (withZone && zone === undefined) throw expected(`${form} (a TIMESTAMP needs the zone to be exact)`, text);
  if (!withZone && zone !== undefined) throw expected(`${form} (TIMESTAMP_NTZ has no zone)`, text);
  return utcMicros(m, zone ?? 'UTC', text);
}

/** Microseconds since the epoch of a matched DATE or DATE_TIME, checking the calendar fields. */
function utcMicros(m: RegExpExecArray, zone: string, text: string): number {
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(millis);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw expected('a valid calendar date and time', text);
  }
  const fraction = Number((m[7] ?? '').padEnd(6, '0').slice(0, 6));
  return millis * 1000 + fraction - zoneOffsetMicros(zone);
}

function zoneOffsetMicros(zone: string): number {
  if (zone.toUpperCase() === 'Z' || zone === 'UTC') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  return sign * (hours * 60 + minutes) * 60_000_000;
}
