/**
 * Naming rules of the generated `.proto`: which column names can be Protobuf field names, and how struct
 * columns name their nested messages without clashing.
 */

/** Words the official generator refuses as field names (protoc keywords and scalar type names). */
const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'syntax',
  'import',
  'option',
  'package',
  'message',
  'enum',
  'service',
  'rpc',
  'returns',
  'reserved',
  'to',
  'max',
  'double',
  'float',
  'int32',
  'int64',
  'uint32',
  'uint64',
  'sint32',
  'sint64',
  'fixed32',
  'fixed64',
  'sfixed32',
  'sfixed64',
  'bool',
  'string',
  'bytes',
]);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why `name` cannot be a Protobuf field name, or undefined when it can. */
export function fieldNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (/^[0-9]/.test(name)) return 'it starts with a digit';
  if (!IDENTIFIER.test(name)) return 'Protobuf names are ASCII letters, digits and underscores';
  if (RESERVED_WORDS.has(name)) return 'it is a reserved word of the .proto language';
  return undefined;
}

/** True when `name` is a valid Protobuf identifier (message names). */
export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** `snake_case` → `PascalCase`, as the official generator names struct messages (`home_address` → `HomeAddress`). */
export function pascalCase(name: string): string {
  return name
    .split('_')
    .filter((word) => word !== '')
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
}

/**
 * The names declared inside one message. A nested message may not share a name with a sibling message or
 * with a field of the same message (protoc and protobufjs both refuse), so a taken name gets a number.
 */
export class MessageScope {
  private readonly taken: Set<string>;

  constructor(fieldNames: Iterable<string>) {
    this.taken = new Set(fieldNames);
  }

  /** Claims `wanted`, or `wanted2`, `wanted3`, … when it is already declared in this message. */
  claim(wanted: string): string {
    let name = wanted;
    for (let n = 2; this.taken.has(name); n++) name = `${wanted}${n}`;
    this.taken.add(name);
    return name;
  }
}
