/**
 * How the record decoders report a value that does not fit its column. Errors must teach a producer what
 * to change, so each names the record's offset, the path of the field (`loc.lat`, `tags[3]`), the type
 * expected and the value received.
 *
 * Compiled writers throw a {@link FieldProblem} that knows only its own detail; each enclosing struct,
 * list or map adds its path segment as the problem unwinds, so the happy path never builds a path.
 */
import type { DataType } from '../catalog/types.js';
import { TributaryError } from '../errors.js';

/** A value that does not fit: thrown inside a decoder, turned into a TributaryError at the record's edge. */
export class FieldProblem extends Error {
  /** Path segments, innermost first: names (`lat`) or subscripts (`[3]`, `["key"]`). */
  readonly segments: string[] = [];

  constructor(detail: string) {
    super(detail);
    this.name = 'FieldProblem';
  }

  /** Adds the segment of an enclosing container and returns the problem for rethrowing. */
  within(segment: string): this {
    this.segments.push(segment);
    return this;
  }

  /** The dotted path from the column down to the offending value, e.g. `loc.lat` or `tags[3]`. */
  get path(): string {
    let path = '';
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const s = this.segments[i]!;
      path += s.startsWith('[') || path === '' ? s : `.${s}`;
    }
    return path;
  }
}

/** A problem stating what was expected and what arrived instead. */
export function mismatch(expected: string, received: unknown, hint?: string): FieldProblem {
  const detail = `expected ${expected}, got ${describeValue(received)}`;
  return new FieldProblem(hint === undefined ? detail : `${detail}; ${hint}`);
}

/** Where a record sits: its message offset and, inside a batch message, its index. */
function recordPosition(offset: bigint, index: number | undefined): string {
  return index === undefined ? `record at offset ${offset}` : `record ${index} of the batch at offset ${offset}`;
}

/** The stream-level error for a field problem in the record at `offset` (`index` within a batch message). */
export function recordError(problem: FieldProblem, offset: bigint, index?: number): TributaryError {
  const path = problem.path;
  const where = path === '' ? '' : `, field ${path}`;
  return new TributaryError('invalid_argument', `Invalid ${recordPosition(offset, index)}${where}: ${problem.message}`, {
    offset,
    ...(path === '' ? {} : { field: path }),
  });
}

/** The stream-level error for a record that cannot be read at all (not JSON, not protobuf). */
export function malformedRecord(offset: bigint, index: number | undefined, detail: string): TributaryError {
  return new TributaryError('invalid_argument', `Invalid ${recordPosition(offset, index)}: ${detail}`, { offset });
}

const MAX_SHOWN = 60;

function truncate(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

/** A short description of a received value: its JSON kind and its text, truncated. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return `the string ${truncate(JSON.stringify(value))}`;
    case 'number':
    case 'bigint':
      return `the number ${String(value)}`;
    case 'boolean':
      return `the boolean ${String(value)}`;
    case 'object':
      return Array.isArray(value)
        ? `an array ${truncate(JSON.stringify(value))}`
        : `an object ${truncate(JSON.stringify(value))}`;
    default:
      return String(value);
  }
}

/** A SQL spelling of a type for messages: `INT`, `DECIMAL(10,2)`, `ARRAY<STRUCT<lat: DOUBLE>>`. */
export function sqlType(type: DataType): string {
  switch (type.kind) {
    case 'byte':
      return 'TINYINT';
    case 'short':
      return 'SMALLINT';
    case 'long':
      return 'BIGINT';
    case 'decimal':
      return `DECIMAL(${type.precision},${type.scale})`;
    case 'array':
      return `ARRAY<${sqlType(type.element)}>`;
    case 'map':
      return `MAP<${sqlType(type.key)}, ${sqlType(type.value)}>`;
    case 'struct':
      return `STRUCT<${type.fields.map((f) => `${f.name}: ${sqlType(f.type)}`).join(', ')}>`;
    default:
      return type.kind.toUpperCase();
  }
}

/** Lists names for a message, cut short when there are many. */
export function listNames(names: readonly string[]): string {
  const MAX_LISTED = 20;
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return names.length > MAX_LISTED ? `${shown}, … (${names.length} in all)` : shown;
}
