/**
 * Value rules shared by the JSON and Protobuf decoders: integer ranges per column type, DECIMAL text,
 * the signed 64-bit range. Each decoder phrases its own errors; the rules themselves live here once.
 */
import type { DataType, StructField } from '../catalog/types.js';
import { TributaryError } from '../errors.js';

/** Refuses columns no decoder can ingest yet: VARIANT, at any depth. */
export function assertIngestible(columns: readonly StructField[], prefix = ''): void {
  for (const c of columns) checkIngestible(c.type, prefix === '' ? c.name : `${prefix}.${c.name}`);
}

function checkIngestible(type: DataType, path: string): void {
  switch (type.kind) {
    case 'variant':
      throw new TributaryError('invalid_argument', `column ${path} is VARIANT, which cannot be ingested yet`, {
        field: path,
      });
    case 'array':
      return checkIngestible(type.element, `${path}[]`);
    case 'map':
      checkIngestible(type.key, `${path}.key`);
      return checkIngestible(type.value, `${path}.value`);
    case 'struct':
      return assertIngestible(type.fields, path);
    default:
      return;
  }
}

/** Inclusive range of the column types stored in 32 bits or less. */
export interface IntRange {
  readonly min: number;
  readonly max: number;
}

/** Ranges of TINYINT, SMALLINT, INT and DATE (a DATE is an int32 count of days). */
export const INT_RANGES: Partial<Record<DataType['kind'], IntRange>> = {
  byte: { min: -128, max: 127 },
  short: { min: -32768, max: 32767 },
  int: { min: -2147483648, max: 2147483647 },
  date: { min: -2147483648, max: 2147483647 },
};

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** An unscaled DECIMAL value, or why the text is not one the column can hold exactly. */
export type DecimalParse = { readonly ok: true; readonly unscaled: bigint } | { readonly ok: false; readonly reason: string };

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * Parses decimal text (`-123.45`, `.5`, `7`) for a DECIMAL(precision, scale) column. Never rounds: digits
 * beyond the scale are accepted only when they are zeros, and too many integer digits are refused.
 */
export function parseDecimalText(text: string, precision: number, scale: number): DecimalParse {
  const m = DECIMAL_TEXT.exec(text);
  const whole = m?.[2] ?? '';
  let fraction = m?.[3] ?? '';
  if (!m || (whole === '' && fraction === '')) {
    return { ok: false, reason: 'decimal text is digits with an optional sign and decimal point, e.g. "-123.45"' };
  }
  if (fraction.length > scale) {
    if (/[^0]/.test(fraction.slice(scale))) {
      return {
        ok: false,
        reason: `it has ${fraction.length} digits after the decimal point and the scale is ${scale} (values are never rounded)`,
      };
    }
    fraction = fraction.slice(0, scale);
  }
  const integerDigits = whole.replace(/^0+/, '');
  if (integerDigits.length > precision - scale) {
    return {
      ok: false,
      reason: `it has ${integerDigits.length} digits before the decimal point and DECIMAL(${precision},${scale}) allows ${precision - scale}`,
    };
  }
  const magnitude = BigInt(integerDigits + fraction.padEnd(scale, '0') || '0');
  return { ok: true, unscaled: m[1] === '-' ? -magnitude : magnitude };
}
