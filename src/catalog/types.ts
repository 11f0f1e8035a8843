/**
 * The column type model shared by every layer: the catalog stores it, the SQL parser and REST API produce
 * it, decoders validate records against it, the WAL and Delta writer derive Arrow and Delta schemas from it.
 *
 * Spellings follow `shared/specs/types.md` and `catalog-and-auth.md`: `type_text` is the lower-case Spark
 * SQL string, `type_name` the Unity Catalog enum, the Delta/Spark JSON is what `schemaString` and
 * `type_json` hold.
 */

/** A primitive (non-nested) Delta type. */
export type PrimitiveType =
  | { readonly kind: 'string' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'byte' }
  | { readonly kind: 'short' }
  | { readonly kind: 'int' }
  | { readonly kind: 'long' }
  | { readonly kind: 'float' }
  | { readonly kind: 'double' }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'date' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'timestamp_ntz' }
  | { readonly kind: 'binary' }
  | { readonly kind: 'variant' };

/** Any column type, nested to any depth. */
export type DataType =
  | PrimitiveType
  | { readonly kind: 'array'; readonly element: DataType; readonly containsNull: boolean }
  | {
      readonly kind: 'map';
      readonly key: DataType;
      readonly value: DataType;
      readonly valueContainsNull: boolean;
    }
  | { readonly kind: 'struct'; readonly fields: readonly StructField[] };

/** A named member of a struct, or a top-level column. */
export interface StructField {
  readonly name: string;
  readonly type: DataType;
  readonly nullable: boolean;
  readonly comment?: string;
}

/** A table column: a struct field with its 0-based position. */
export interface Column extends StructField {
  readonly position: number;
}

/** Unity Catalog `ColumnTypeName` values. */
export type ColumnTypeName =
  | 'STRING'
  | 'BOOLEAN'
  | 'BYTE'
  | 'SHORT'
  | 'INT'
  | 'LONG'
  | 'FLOAT'
  | 'DOUBLE'
  | 'DECIMAL'
  | 'DATE'
  | 'TIMESTAMP'
  | 'TIMESTAMP_NTZ'
  | 'BINARY'
  | 'VARIANT'
  | 'ARRAY'
  | 'MAP'
  | 'STRUCT';

export const MAX_DECIMAL_PRECISION = 38;
/** Deeper nesting is refused: the official proto generator stops at 100, so do we. */
export const MAX_NESTING_DEPTH = 100;

const TYPE_NAMES: Record<DataType['kind'], ColumnTypeName> = {
  string: 'STRING',
  boolean: 'BOOLEAN',
  byte: 'BYTE',
  short: 'SHORT',
  int: 'INT',
  long: 'LONG',
  float: 'FLOAT',
  double: 'DOUBLE',
  decimal: 'DECIMAL',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  timestamp_ntz: 'TIMESTAMP_NTZ',
  binary: 'BINARY',
  variant: 'VARIANT',
  array: 'ARRAY',
  map: 'MAP',
  struct: 'STRUCT',
};

/** The Unity Catalog `type_name` of a type (BYTE/SHORT/LONG, not TINYINT/SMALLINT/BIGINT). */
export function typeName(type: DataType): ColumnTypeName {
  return TYPE_NAMES[type.kind];
}

const PRIMITIVE_TEXT: Record<PrimitiveType['kind'], string> = {
  string: 'string',
  boolean: 'boolean',
  byte: 'tinyint',
  short: 'smallint',
  int: 'int',
  long: 'bigint',
  float: 'float',
  double: 'double',
  decimal: 'decimal',
  date: 'date',
  timestamp: 'timestamp',
  timestamp_ntz: 'timestamp_ntz',
  binary: 'binary',
  variant: 'variant',
};

/** The lower-case Spark SQL spelling used for UC `type_text`: `array<string>`, `decimal(10,2)`, ... */
export function typeText(type: DataType): string {
  switch (type.kind) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'array':
      return `array<${typeText(type.element)}>`;
    case 'map':
      return `map<${typeText(type.key)},${typeText(type.value)}>`;
    case 'struct':
      return `struct<${type.fields.map((f) => `${quoteFieldName(f.name)}:${typeText(f.type)}`).join(',')}>`;
    default:
      return PRIMITIVE_TEXT[type.kind];
  }
}

/**
 * Like {@link typeText}, but struct fields keep `NOT NULL` and `COMMENT '...'`, so the result parses back
 * (through {@link parseTypeText}) to the same type. DESCRIBE TABLE shows this form.
 */
export function typeDdl(type: DataType): string {
  switch (type.kind) {
    case 'array':
      return `array<${typeDdl(type.element)}>`;
    case 'map':
      return `map<${typeDdl(type.key)},${typeDdl(type.value)}>`;
    case 'struct':
      return `struct<${type.fields.map(fieldDdl).join(',')}>`;
    default:
      return typeText(type);
  }
}

function fieldDdl(field: StructField): string {
  const notNull = field.nullable ? '' : ' NOT NULL';
  const comment =
    field.comment === undefined ? '' : ` COMMENT '${field.comment.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `${quoteFieldName(field.name)}:${typeDdl(field.type)}${notNull}${comment}`;
}

function quoteFieldName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name.replace(/`/g, '``')}\``;
}

/** The Delta / Spark JSON form of a type, as found in `schemaString` and UC `type_json`. */
export type SparkType =
  | string
  | { type: 'array'; elementType: SparkType; containsNull: boolean }
  | { type: 'map'; keyType: SparkType; valueType: SparkType; valueContainsNull: boolean }
  | { type: 'struct'; fields: SparkField[] };

export interface SparkField {
  name: string;
  type: SparkType;
  nullable: boolean;
  metadata: Record<string, unknown>;
}

const PRIMITIVE_SPARK: Record<PrimitiveType['kind'], string> = {
  string: 'string',
  boolean: 'boolean',
  byte: 'byte',
  short: 'short',
  int: 'integer',
  long: 'long',
  float: 'float',
  double: 'double',
  decimal: 'decimal',
  date: 'date',
  timestamp: 'timestamp',
  timestamp_ntz: 'timestamp_ntz',
  binary: 'binary',
  variant: 'variant',
};

/** Converts a type to its Delta/Spark JSON value. */
export function toSparkType(type: DataType): SparkType {
  switch (type.kind) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'array':
      return { type: 'array', elementType: toSparkType(type.element), containsNull: type.containsNull };
    case 'map':
      return {
        type: 'map',
        keyType: toSparkType(type.key),
        valueType: toSparkType(type.value),
        valueContainsNull: type.valueContainsNull,
      };
    case 'struct':
      return { type: 'struct', fields: type.fields.map(toSparkField) };
    default:
      return PRIMITIVE_SPARK[type.kind];
  }
}

/** Converts a field to its Delta/Spark StructField JSON; the comment goes into `metadata.comment`. */
export function toSparkField(field: StructField): SparkField {
  return {
    name: field.name,
    type: toSparkType(field.type),
    nullable: field.nullable,
    metadata: field.comment === undefined ? {} : { comment: field.comment },
  };
}

/** The Delta `schemaString` of a table: a struct of its columns, serialised. */
export function deltaSchemaString(columns: readonly StructField[]): string {
  return JSON.stringify({ type: 'struct', fields: columns.map(toSparkField) });
}

/** Thrown when a type spelling or Spark JSON cannot be understood. */
export class TypeSyntaxError extends Error {
  constructor(
    message: string,
    /** 0-based character index into the parsed text, when known. */
    readonly index?: number,
  ) {
    super(message);
    this.name = 'TypeSyntaxError';
  }
}

const SPARK_PRIMITIVES: Record<string, PrimitiveType> = {
  string: { kind: 'string' },
  boolean: { kind: 'boolean' },
  byte: { kind: 'byte' },
  short: { kind: 'short' },
  integer: { kind: 'int' },
  long: { kind: 'long' },
  float: { kind: 'float' },
  double: { kind: 'double' },
  date: { kind: 'date' },
  timestamp: { kind: 'timestamp' },
  timestamp_ntz: { kind: 'timestamp_ntz' },
  binary: { kind: 'binary' },
  variant: { kind: 'variant' },
};

/** Parses the Delta/Spark JSON form of a type (the inverse of {@link toSparkType}). */
export function fromSparkType(json: unknown, depth = 0): DataType {
  if (depth > MAX_NESTING_DEPTH) throw new TypeSyntaxError(`type nesting deeper than ${MAX_NESTING_DEPTH}`);
  if (typeof json === 'string') {
    const primitive = SPARK_PRIMITIVES[json];
    if (primitive) return primitive;
    const decimal = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(json);
    if (decimal) return decimalType(Number(decimal[1]), Number(decimal[2]));
    throw new TypeSyntaxError(`unknown type ${JSON.stringify(json)}`);
  }
  if (json === null || typeof json !== 'object') throw new TypeSyntaxError('a type must be a string or an object');
  const o = json as Record<string, unknown>;
  switch (o.type) {
    case 'array':
      return {
        kind: 'array',
        element: fromSparkType(o.elementType, depth + 1),
        containsNull: o.containsNull !== false,
      };
    case 'map':
      return {
        kind: 'map',
        key: fromSparkType(o.keyType, depth + 1),
        value: fromSparkType(o.valueType, depth + 1),
        valueContainsNull: o.valueContainsNull !== false,
      };
    case 'struct': {
      if (!Array.isArray(o.fields)) throw new TypeSyntaxError('struct type without a fields array');
      return { kind: 'struct', fields: o.fields.map((f) => fromSparkField(f, depth + 1)) };
    }
    default:
      throw new TypeSyntaxError(`unknown complex type ${JSON.stringify(o.type)}`);
  }
}

/** Parses a Delta/Spark StructField JSON object. */
export function fromSparkField(json: unknown, depth = 0): StructField {
  if (json === null || typeof json !== 'object') throw new TypeSyntaxError('a field must be an object');
  const o = json as Record<string, unknown>;
  if (typeof o.name !== 'string') throw new TypeSyntaxError('a field needs a string name');
  const metadata = (o.metadata ?? {}) as Record<string, unknown>;
  const field: StructField = {
    name: o.name,
    type: fromSparkType(o.type, depth),
    nullable: o.nullable !== false,
  };
  return typeof metadata.comment === 'string' ? { ...field, comment: metadata.comment } : field;
}

/** Builds a DECIMAL type, checking precision 1..38 and 0 ≤ scale ≤ precision. */
export function decimalType(precision: number, scale: number): DataType {
  if (!Number.isInteger(precision) || precision < 1 || precision > MAX_DECIMAL_PRECISION) {
    throw new TypeSyntaxError(`DECIMAL precision must be between 1 and ${MAX_DECIMAL_PRECISION}, got ${precision}`);
  }
  if (!Number.isInteger(scale) || scale < 0 || scale > precision) {
    throw new TypeSyntaxError(`DECIMAL scale must be between 0 and the precision (${precision}), got ${scale}`);
  }
  return { kind: 'decimal', precision, scale };
}

const SQL_PRIMITIVES: Record<string, PrimitiveType> = {
  string: { kind: 'string' },
  boolean: { kind: 'boolean' },
  tinyint: { kind: 'byte' },
  byte: { kind: 'byte' },
  smallint: { kind: 'short' },
  short: { kind: 'short' },
  int: { kind: 'int' },
  integer: { kind: 'int' },
  bigint: { kind: 'long' },
  long: { kind: 'long' },
  float: { kind: 'float' },
  real: { kind: 'float' },
  double: { kind: 'double' },
  date: { kind: 'date' },
  timestamp: { kind: 'timestamp' },
  timestamp_ltz: { kind: 'timestamp' },
  timestamp_ntz: { kind: 'timestamp_ntz' },
  binary: { kind: 'binary' },
  variant: { kind: 'variant' },
};

/**
 * Parses a SQL type spelling as Databricks accepts it in DDL and in UC `type_text`: case-insensitive
 * keywords, `DECIMAL(p,s)` (default `(10,0)`), `VARCHAR(n)`/`CHAR(n)` as STRING, `ARRAY<T>`, `MAP<K,V>`,
 * `STRUCT<name: T [NOT NULL] [COMMENT '...'], ...>` with backquoted names.
 */
export function parseTypeText(text: string): DataType {
  const parser = new TypeTextParser(text);
  const type = parser.parseType(0);
  parser.expectEnd();
  return type;
}

/**
 * A small recursive-descent reader for type spellings. The SQL parser embeds it through
 * {@link parseTypeAt} so that column types in DDL and `type_text` in REST share one grammar.
 */
class TypeTextParser {
  pos = 0;
  constructor(readonly text: string) {}

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private fail(message: string): never {
    throw new TypeSyntaxError(message, this.pos);
  }

  private word(): string {
    this.skipSpace();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (!m) this.fail(`expected a type name at ${JSON.stringify(this.text.slice(this.pos, this.pos + 10))}`);
    this.pos += m[0].length;
    return m[0];
  }

  private peek(): string {
    this.skipSpace();
    return this.text[this.pos] ?? '';
  }

  private expect(ch: string): void {
    if (this.peek() !== ch) this.fail(`expected '${ch}' but found ${JSON.stringify(this.peek() || 'end of input')}`);
    this.pos++;
  }

  private integer(): number {
    this.skipSpace();
    const m = /^\d+/.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected an integer');
    this.pos += m[0].length;
    return Number(m[0]);
  }

  private fieldName(): string {
    this.skipSpace();
    if (this.text[this.pos] === '`') {
      let out = '';
      this.pos++;
      for (;;) {
        const ch = this.text[this.pos];
        if (ch === undefined) this.fail('unterminated backquoted name');
        if (ch === '`') {
          if (this.text[this.pos + 1] === '`') {
            out += '`';
            this.pos += 2;
            continue;
          }
          this.pos++;
          return out;
        }
        out += ch;
        this.pos++;
      }
    }
    return this.word();
  }

  private stringLiteral(): string {
    this.skipSpace();
    const quote = this.text[this.pos];
    if (quote !== "'" && quote !== '"') this.fail('expected a quoted string');
    this.pos++;
    let out = '';
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined) this.fail('unterminated string');
      this.pos++;
      if (ch === '\\') {
        out += this.text[this.pos] ?? '';
        this.pos++;
      } else if (ch === quote) {
        if (this.text[this.pos] === quote) {
          out += quote;
          this.pos++;
        } else {
          return out;
        }
      } else {
        out += ch;
      }
    }
  }

  private keyword(kw: string): boolean {
    this.skipSpace();
    const m = /^[A-Za-z_]+/.exec(this.text.slice(this.pos));
    if (m && m[0].toLowerCase() === kw) {
      this.pos += m[0].length;
      return true;
    }
    return false;
  }

  parseType(depth: number): DataType {
    if (depth > MAX_NESTING_DEPTH) this.fail(`type nesting deeper than ${MAX_NESTING_DEPTH}`);
    const start = this.pos;
    const name = this.word().toLowerCase();
    switch (name) {
      case 'array': {
        this.expect('<');
        const element = this.parseType(depth + 1);
        this.expect('>');
        return { kind: 'array', element, containsNull: true };
      }
      case 'map': {
        this.expect('<');
        const key = this.parseType(depth + 1);
        this.expect(',');
        const value = this.parseType(depth + 1);
        this.expect('>');
        return { kind: 'map', key, value, valueContainsNull: true };
      }
      case 'struct': {
        this.expect('<');
        const fields: StructField[] = [];
        if (this.peek() !== '>') {
          for (;;) {
            fields.push(this.structField(depth + 1));
            if (this.peek() !== ',') break;
            this.pos++;
          }
        }
        this.expect('>');
        return { kind: 'struct', fields };
      }
      case 'decimal':
      case 'dec':
      case 'numeric': {
        if (this.peek() !== '(') return decimalType(10, 0);
        this.pos++;
        const precision = this.integer();
        let scale = 0;
        if (this.peek() === ',') {
          this.pos++;
          scale = this.integer();
        }
        this.expect(')');
        try {
          return decimalType(precision, scale);
        } catch (e) {
          throw new TypeSyntaxError((e as Error).message, start);
        }
      }
      case 'varchar':
      case 'char': {
        this.expect('(');
        this.integer();
        this.expect(')');
        return { kind: 'string' };
      }
      default: {
        const primitive = SQL_PRIMITIVES[name];
        if (!primitive) {
          this.pos = start;
          this.skipSpace();
          this.fail(`unknown type '${name}'`);
        }
        return primitive;
      }
    }
  }

  private structField(depth: number): StructField {
    const name = this.fieldName();
    this.expect(':');
    const type = this.parseType(depth);
    let nullable = true;
    let comment: string | undefined;
    for (;;) {
      const save = this.pos;
      if (this.keyword('not')) {
        if (!this.keyword('null')) this.fail("expected NULL after NOT");
        nullable = false;
      } else if (this.keyword('comment')) {
        comment = this.stringLiteral();
      } else {
        this.pos = save;
        break;
      }
    }
    return comment === undefined ? { name, type, nullable } : { name, type, nullable, comment };
  }

  expectEnd(): void {
    this.skipSpace();
    if (this.pos < this.text.length) this.fail(`unexpected ${JSON.stringify(this.text.slice(this.pos, this.pos + 10))}`);
  }
}

/**
 * Parses one type starting at `index` in `text` and returns it with the index just past it. Used by the
 * SQL parser so DDL column types share the grammar of {@link parseTypeText}.
 */
export function parseTypeAt(text: string, index: number): { type: DataType; end: number } {
  const parser = new TypeTextParser(text);
  parser.pos = index;
  const type = parser.parseType(0);
  return { type, end: parser.pos };
}

/** True when the type or any type nested in it is TIMESTAMP_NTZ (needs the `timestampNtz` table feature). */
export function containsKind(type: DataType, kind: DataType['kind']): boolean {
  if (type.kind === kind) return true;
  switch (type.kind) {
    case 'array':
      return containsKind(type.element, kind);
    case 'map':
      return containsKind(type.key, kind) || containsKind(type.value, kind);
    case 'struct':
      return type.fields.some((f) => containsKind(f.type, kind));
    default:
      return false;
  }
}
