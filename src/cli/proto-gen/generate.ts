/**
 * The `.proto` for a table, as the official Zerobus `generate_proto` tool writes it (`shared/specs/types.md`):
 * `proto2`, one message, tab indentation, struct columns as nested messages declared just before their
 * field, and the same refusals. Producers can switch between the official tool and ours without a diff.
 *
 * One extension: DECIMAL, which the official tool refuses, becomes a `string` of decimal text, with a comment
 * on the field saying so.
 */
import { parseTypeText, typeText, TypeSyntaxError, type DataType } from '../../catalog/types.js';
import { TributaryError } from '../../errors.js';
import { fieldNameProblem, isIdentifier, MessageScope, pascalCase } from './names.js';

/** A column as the Unity Catalog `GET /tables/{full_name}` answer describes it. */
export interface GeneratorColumn {
  readonly name: string;
  /** Spark SQL type spelling, e.g. `struct<lat:double,lon:double>`. */
  readonly type_text: string;
  readonly nullable: boolean;
}

/** The parts of a UC TableInfo the generator reads. */
export interface GeneratorTable {
  /** `catalog.schema.table` or just `table`; the last part names the message by default. */
  readonly name: string;
  readonly columns: readonly GeneratorColumn[];
}

export interface GenerateOptions {
  /** The message name (`--proto-msg`); defaults to the table's last name part. */
  readonly messageName?: string;
}

/** Nesting levels allowed below the record message, counted as the official tool does (a column is level 1). */
const MAX_LEVEL = 100;

/** Field numbers 19000–19999 are reserved by Protobuf itself. */
const RESERVED_NUMBERS = { first: 19000, count: 1000 } as const;

/** Protobuf scalar types of the primitive column types. */
const SCALARS: Record<Exclude<DataType['kind'], 'array' | 'map' | 'struct'>, string> = {
  byte: 'int32',
  short: 'int32',
  int: 'int32',
  date: 'int32',
  long: 'int64',
  timestamp: 'int64',
  timestamp_ntz: 'int64',
  float: 'float',
  double: 'double',
  string: 'string',
  variant: 'string',
  decimal: 'string',
  boolean: 'bool',
  binary: 'bytes',
};

/** Map keys must be integral, bool or string in Protobuf; DECIMAL text is not a key the official tool knows. */
const MAP_KEY_KINDS: ReadonlySet<DataType['kind']> = new Set([
  'byte',
  'short',
  'int',
  'date',
  'long',
  'timestamp',
  'timestamp_ntz',
  'boolean',
  'string',
  'variant',
]);

/**
 * Generates the `.proto` text for a table. Throws `invalid_argument` naming the column (and struct field path)
 * for types Protobuf cannot express, unknown types, and names that cannot be Protobuf identifiers.
 */
export function generateProto(table: GeneratorTable, opts: GenerateOptions = {}): string {
  const messageName = opts.messageName ?? table.name.slice(table.name.lastIndexOf('.') + 1);
  if (!isIdentifier(messageName)) {
    throw new TributaryError(
      'invalid_argument',
      `message name ${JSON.stringify(messageName)} is not a valid Protobuf identifier; choose one with --proto-msg`,
      { table: table.name },
    );
  }
  const generator = new Generator(table.name);
  const scope = new MessageScope(table.columns.map((c) => c.name));
  let body = '';
  table.columns.forEach((column, index) => {
    const type = parseColumnType(table.name, column);
    const field = generator.field({ name: column.name, path: column.name, type, nullable: column.nullable }, 1, scope);
    body += field.definitions + fieldLine('\t', field.shape, column.name, fieldNumber(index));
  });
  return `syntax = "proto2";\n\nmessage ${messageName} {\n${body.replace(/\n+$/, '')}\n}\n`;
}

/** The field number of the `index`-th field (0-based): 1, 2, 3, … stepping over the reserved range. */
function fieldNumber(index: number): number {
  const n = index + 1;
  return n < RESERVED_NUMBERS.first ? n : n + RESERVED_NUMBERS.count;
}

function parseColumnType(table: string, column: GeneratorColumn): DataType {
  try {
    return parseTypeText(column.type_text);
  } catch (e) {
    if (!(e instanceof TypeSyntaxError)) throw e;
    throw new TributaryError(
      'invalid_argument',
      `column ${column.name}: unsupported type ${JSON.stringify(column.type_text)} (${e.message})`,
      { table, field: column.name },
    );
  }
}

/** How a field is declared: label (none for maps), Protobuf type, and an optional trailing comment. */
interface FieldShape {
  readonly label: 'optional' | 'required' | 'repeated' | '';
  readonly type: string;
  readonly comment?: string;
}

/** A field's declaration plus the nested message definitions (already indented) that must precede it. */
interface GeneratedField {
  readonly shape: FieldShape;
  readonly definitions: string;
}

/** A column or struct field being mapped. */
interface FieldInput {
  /** Names the nested message of a struct (through its PascalCase form). */
  readonly name: string;
  /** Column name plus struct field names, for errors: `loc.lat`. */
  readonly path: string;
  readonly type: DataType;
  readonly nullable: boolean;
}

function fieldLine(indent: string, shape: FieldShape, name: string, number: number): string {
  const label = shape.label === '' ? '' : `${shape.label} `;
  const comment = shape.comment === undefined ? '' : ` // ${shape.comment}`;
  return `${indent}${label}${shape.type} ${name} = ${number};${comment}\n`;
}

function decimalComment(type: Extract<DataType, { kind: 'decimal' }>): string {
  return `${typeText(type)} as decimal text such as "123.45"; a Tributary extension, the official generator has no DECIMAL mapping`;
}

class Generator {
  /** Counts struct messages across the file, naming those whose field name has no PascalCase form. */
  private structCount = 0;

  constructor(private readonly table: string) {}

  private refuse(path: string, detail: string): TributaryError {
    return new TributaryError('invalid_argument', `column ${path}: ${detail}`, { table: this.table, field: path });
  }

  /** Maps one column or struct field; `level` counts nesting as the official tool does (columns are 1). */
  field(input: FieldInput, level: number, scope: MessageScope): GeneratedField {
    if (level > MAX_LEVEL) throw this.refuse(input.path, `nesting deeper than ${MAX_LEVEL} levels`);
    const problem = fieldNameProblem(input.name);
    if (problem !== undefined) {
      throw this.refuse(input.path, `${JSON.stringify(input.name)} cannot be a Protobuf field name: ${problem}`);
    }
    const presence = input.nullable ? 'optional' : 'required';
    const { type } = input;
    switch (type.kind) {
      case 'array':
        return this.array(input, type, level, scope);
      case 'map':
        return this.map(input, type, level, scope);
      case 'struct': {
        const message = this.message(input, type, level, scope);
        return { shape: { label: presence, type: message.name }, definitions: message.definition };
      }
      default:
        return { shape: scalarShape(presence, type), definitions: '' };
    }
  }

  private array(
    input: FieldInput,
    type: Extract<DataType, { kind: 'array' }>,
    level: number,
    scope: MessageScope,
  ): GeneratedField {
    if (type.element.kind === 'array') throw this.refuse(input.path, 'nested arrays are not supported: array<array<...>>');
    if (type.element.kind === 'map') throw this.refuse(input.path, 'arrays of maps are not supported: array<map<...>>');
    const element = this.element(input, type.element, level + 1, scope);
    return { shape: { ...element.shape, label: 'repeated' }, definitions: element.definitions };
  }

  private map(
    input: FieldInput,
    type: Extract<DataType, { kind: 'map' }>,
    level: number,
    scope: MessageScope,
  ): GeneratedField {
    const { key, value } = type;
    if (key.kind === 'map') throw this.refuse(input.path, 'maps with map keys are not supported: map<map<...>, ...>');
    if (key.kind === 'array') throw this.refuse(input.path, 'maps with array keys are not supported: map<array<...>, ...>');
    if (!MAP_KEY_KINDS.has(key.kind)) {
      throw this.refuse(
        input.path,
        `unsupported map key type ${typeText(key)}: Protobuf map keys must be integer, boolean or string types`,
      );
    }
    if (value.kind === 'map') throw this.refuse(input.path, 'maps with map values are not supported: map<..., map<...>>');
    if (value.kind === 'array') throw this.refuse(input.path, 'maps with array values are not supported: map<..., array<...>>');
    const keyType = SCALARS[key.kind as keyof typeof SCALARS];
    const valueField = this.element(input, value, level + 1, scope);
    const comment = valueField.shape.comment;
    return {
      shape: { label: '', type: `map<${keyType}, ${valueField.shape.type}>`, ...(comment === undefined ? {} : { comment }) },
      definitions: valueField.definitions,
    };
  }

  /** An array element or map value: named after its field, never null in Protobuf. */
  private element(input: FieldInput, type: DataType, level: number, scope: MessageScope): GeneratedField {
    return this.field({ ...input, type, nullable: false }, level, scope);
  }

  /**
   * The nested message of a struct, indented for its level. Its fields are all `optional`, as in the
   * official tool: proto2 `required` inside nested messages makes schema evolution impossible.
   */
  private message(
    input: FieldInput,
    type: Extract<DataType, { kind: 'struct' }>,
    level: number,
    scope: MessageScope,
  ): { name: string; definition: string } {
    this.structCount++;
    const name = scope.claim(pascalCase(input.name) || `Struct${this.structCount}`);
    const indent = '\t'.repeat(level);
    const inner = new MessageScope(type.fields.map((f) => f.name));
    let body = '';
    type.fields.forEach((f, index) => {
      const field = this.field({ name: f.name, path: `${input.path}.${f.name}`, type: f.type, nullable: true }, level + 1, inner);
      body += field.definitions + fieldLine(`${indent}\t`, field.shape, f.name, fieldNumber(index));
    });
    return { name, definition: `${indent}message ${name} {\n${body}${indent}}\n\n` };
  }
}

function scalarShape(presence: 'optional' | 'required', type: Exclude<DataType, { kind: 'array' | 'map' | 'struct' }>): FieldShape {
  const shape = { label: presence, type: SCALARS[type.kind] };
  return type.kind === 'decimal' ? { ...shape, comment: decimalComment(type) } : shape;
}
