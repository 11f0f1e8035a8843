/**
 * Identifier rules for catalog objects and columns.
 *
 * Catalog, schema and table names become directory names under the data directory, so they follow the hosted
 * service's strict rule (ASCII letters, digits, underscore) and are stored lower-case, as Unity Catalog is
 * case-insensitive. Column names follow Delta's rule for tables without column mapping.
 */
import { TributaryError } from '../errors.js';
import type { TableName } from './model.js';
import type { Column, DataType, StructField } from './types.js';

export const MAX_IDENTIFIER_LENGTH = 255;
export const MAX_COLUMNS = 2000;

/** The kinds of object whose names {@link validateIdentifier} checks. */
export type IdentifierKind = 'catalog' | 'schema' | 'table';

/** A two-part schema name, already validated. */
export interface SchemaName {
  readonly catalog: string;
  readonly schema: string;
}

const IDENTIFIER = /^[A-Za-z0-9_]+$/;
/** Characters Delta refuses in column names unless column mapping is on (which Tributary does not use). */
const FORBIDDEN_FIELD_CHARS = /[ ,;{}()\n\t=]/;
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A name as it may safely appear in an error message: escaped, and cut short if it is huge. */
export function displayName(name: string): string {
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  return JSON.stringify(shown);
}

function invalid(message: string, field?: string): TributaryError {
  return new TributaryError('invalid_argument', message, field === undefined ? {} : { field });
}

/**
 * Checks a catalog, schema or table name and returns it lower-cased.
 * @throws TributaryError `invalid_argument` naming the name and the rule it breaks.
 */
export function validateIdentifier(kind: IdentifierKind, name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw invalid(`${kind} name must not be empty`);
  if (name.length > MAX_IDENTIFIER_LENGTH) {
    throw invalid(`invalid ${kind} name ${displayName(name)}: longer than ${MAX_IDENTIFIER_LENGTH} characters`);
  }
  if (!IDENTIFIER.test(name)) {
    throw invalid(
      `invalid ${kind} name ${displayName(name)}: only ASCII letters, digits and underscores are allowed`,
    );
  }
  return name.toLowerCase();
}

/**
 * Splits a dotted name into its parts. A part may be backquoted (`` `my_table` ``, with ``` `` ``` for a
 * literal backquote); the parts are returned unvalidated.
 */
function splitDotted(text: string, what: string): string[] {
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    let part = '';
    if (text[i] === '`') {
      i++;
      for (;;) {
        const ch = text[i];
        if (ch === undefined) throw invalid(`invalid ${what} ${displayName(text)}: unterminated backquote`);
        if (ch === '`') {
          if (text[i + 1] !== '`') break;
          i++;
        }
        part += ch;
        i++;
      }
      i++;
      if (i < text.length && text[i] !== '.') {
        throw invalid(`invalid ${what} ${displayName(text)}: unexpected text after a backquoted part`);
      }
    } else {
      const dot = text.indexOf('.', i);
      const end = dot === -1 ? text.length : dot;
      part = text.slice(i, end);
      i = end;
    }
    parts.push(part);
    if (i >= text.length) return parts;
    i++; // the dot
  }
}

function parseParts(text: string, kinds: readonly IdentifierKind[]): string[] {
  const what = `${kinds[kinds.length - 1]} name`;
  if (typeof text !== 'string' || text.length === 0) throw invalid(`${what} must not be empty`);
  // Bounded before splitting so a hostile 10 MB name costs nothing.
  if (text.length > kinds.length * (MAX_IDENTIFIER_LENGTH + 3)) {
    throw invalid(`invalid ${what} ${displayName(text)}: too long`);
  }
  const parts = splitDotted(text, what);
  if (parts.length !== kinds.length) {
    const form = kinds.join('.');
    throw invalid(`invalid ${what} ${displayName(text)}: expected ${kinds.length} dot-separated parts (${form})`);
  }
  return parts.map((part, i) => validateIdentifier(kinds[i]!, part));
}

/**
 * Parses `catalog.schema.table` (each part optionally backquoted) into a validated, lower-cased name.
 * @throws TributaryError `invalid_argument` for anything else.
 */
export function parseTableName(text: string): TableName {
  const [catalog, schema, table] = parseParts(text, ['catalog', 'schema', 'table']) as [string, string, string];
  return { catalog, schema, table };
}

/** Parses `catalog.schema` into a validated, lower-cased name. */
export function parseSchemaName(text: string): SchemaName {
  const [catalog, schema] = parseParts(text, ['catalog', 'schema']) as [string, string];
  return { catalog, schema };
}

/** Validates every part of a table name that did not come through {@link parseTableName}. */
export function normalizeTableName(name: TableName): TableName {
  return {
    catalog: validateIdentifier('catalog', name.catalog),
    schema: validateIdentifier('schema', name.schema),
    table: validateIdentifier('table', name.table),
  };
}

/** `catalog.schema.table`; validated names never need quoting. */
export function formatTableName(t: TableName): string {
  return `${t.catalog}.${t.schema}.${t.table}`;
}

/**
 * Checks a column or struct field name against Delta's rules for tables without column mapping.
 * Case is kept (Delta preserves it) but uniqueness is case-insensitive.
 */
export function validateFieldName(name: string, path: string): void {
  const where = path === '' ? 'column name' : `field name in ${path}`;
  if (typeof name !== 'string' || name.length === 0) throw invalid(`${where} must not be empty`, path || undefined);
  const full = path === '' ? name : `${path}.${name}`;
  if (name.length > MAX_IDENTIFIER_LENGTH) {
    throw invalid(`invalid ${where} ${displayName(name)}: longer than ${MAX_IDENTIFIER_LENGTH} characters`, full);
  }
  if (CONTROL_CHARS.test(name) || LONE_SURROGATE.test(name)) {
    throw invalid(`invalid ${where} ${displayName(name)}: control characters are not allowed`, full);
  }
  if (FORBIDDEN_FIELD_CHARS.test(name)) {
    throw invalid(
      `invalid ${where} ${displayName(name)}: Delta column names may not contain spaces or any of ,;{}()=`,
      full,
    );
  }
}

function validateFields(fields: readonly StructField[], path: string): void {
  const seen = new Set<string>();
  for (const field of fields) {
    validateFieldName(field.name, path);
    const key = field.name.toLowerCase();
    const full = path === '' ? field.name : `${path}.${field.name}`;
    if (seen.has(key)) {
      const where = path === '' ? 'column' : `field in ${path}`;
      throw invalid(`duplicate ${where} ${displayName(field.name)} (names are compared case-insensitively)`, full);
    }
    seen.add(key);
    validateNestedFields(field.type, full);
  }
}

function validateNestedFields(type: DataType, path: string): void {
  switch (type.kind) {
    case 'struct':
      validateFields(type.fields, path);
      return;
    case 'array':
      validateNestedFields(type.element, `${path}.element`);
      return;
    case 'map':
      validateNestedFields(type.key, `${path}.key`);
      validateNestedFields(type.value, `${path}.value`);
      return;
    default:
      return;
  }
}

/**
 * Checks a table's columns: 1 to {@link MAX_COLUMNS} of them, positions 0..n-1 in order, valid and
 * (case-insensitively) unique names at every nesting level.
 */
export function validateColumns(columns: readonly Column[]): void {
  if (columns.length === 0) throw invalid('a table needs at least one column');
  if (columns.length > MAX_COLUMNS) {
    throw invalid(`a table may have at most ${MAX_COLUMNS} columns, got ${columns.length}`);
  }
  columns.forEach((column, i) => {
    if (column.position !== i) {
      throw invalid(`column ${displayName(column.name)} has position ${column.position}, expected ${i}`, column.name);
    }
  });
  validateFields(columns, '');
}

/** Checks table property keys (`delta.appendOnly`, free-form text otherwise) and that values are strings. */
export function validateTableProperties(properties: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(properties)) {
    if (key.length === 0 || key.length > MAX_IDENTIFIER_LENGTH || CONTROL_CHARS.test(key)) {
      throw invalid(
        `invalid table property key ${displayName(key)}: ` +
          `1 to ${MAX_IDENTIFIER_LENGTH} characters without control characters`,
      );
    }
    if (typeof value !== 'string') throw invalid(`table property ${displayName(key)} must have a string value`);
  }
}

/** Checks a principal's display name: what GRANT ... TO `name` refers to. */
export function validatePrincipalName(name: string): string {
  if (typeof name !== 'string' || name.trim().length === 0) throw invalid('principal name must not be empty');
  if (name.length > MAX_IDENTIFIER_LENGTH) {
    throw invalid(`invalid principal name ${displayName(name)}: longer than ${MAX_IDENTIFIER_LENGTH} characters`);
  }
  if (CONTROL_CHARS.test(name) || LONE_SURROGATE.test(name)) {
    throw invalid(`invalid principal name ${displayName(name)}: control characters are not allowed`);
  }
  if (name !== name.trim()) {
    throw invalid(`invalid principal name ${displayName(name)}: leading or trailing spaces are not allowed`);
  }
  return name;
}
