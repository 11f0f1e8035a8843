/**
 * The `descriptor_proto` of a PROTO stream, read and checked against the table's columns.
 *
 * A stream's descriptor is one serialized `google.protobuf.DescriptorProto` (`shared/specs/wire.md`): no
 * file, no package, no imports. Struct columns and map entries are `nested_type`s, and because there is no
 * package context `type_name` references are resolved by name suffix. The check follows the type mapping
 * of `shared/specs/types.md`; what it produces is a {@link RecordPlan}, the field-number → column tables
 * the Protobuf record decoder runs on.
 */
import type { Column, DataType, StructField } from '../catalog/types.js';
import { TributaryError } from '../errors.js';
import { ProtoReader, ProtobufDecodeError, WireType } from '../protocol/protobuf-wire.js';
import { listNames, sqlType } from './record-error.js';

/** `FieldDescriptorProto.Type` values (descriptor.proto). */
const ProtoType = {
  DOUBLE: 1,
  FLOAT: 2,
  INT64: 3,
  UINT64: 4,
  INT32: 5,
  FIXED64: 6,
  FIXED32: 7,
  BOOL: 8,
  STRING: 9,
  GROUP: 10,
  MESSAGE: 11,
  BYTES: 12,
  UINT32: 13,
  ENUM: 14,
  SFIXED32: 15,
  SFIXED64: 16,
  SINT32: 17,
  SINT64: 18,
} as const;

/** `FieldDescriptorProto.Label` values. */
const Label = { OPTIONAL: 1, REQUIRED: 2, REPEATED: 3 } as const;

/** The scalar protobuf types a column value can be read from. */
export type ScalarCodec =
  | 'double'
  | 'float'
  | 'int64'
  | 'uint64'
  | 'int32'
  | 'fixed64'
  | 'fixed32'
  | 'bool'
  | 'string'
  | 'bytes'
  | 'uint32'
  | 'sfixed32'
  | 'sfixed64'
  | 'sint32'
  | 'sint64';

const SCALAR_CODECS: Partial<Record<number, ScalarCodec>> = {
  [ProtoType.DOUBLE]: 'double',
  [ProtoType.FLOAT]: 'float',
  [ProtoType.INT64]: 'int64',
  [ProtoType.UINT64]: 'uint64',
  [ProtoType.INT32]: 'int32',
  [ProtoType.FIXED64]: 'fixed64',
  [ProtoType.FIXED32]: 'fixed32',
  [ProtoType.BOOL]: 'bool',
  [ProtoType.STRING]: 'string',
  [ProtoType.BYTES]: 'bytes',
  [ProtoType.UINT32]: 'uint32',
  [ProtoType.SFIXED32]: 'sfixed32',
  [ProtoType.SFIXED64]: 'sfixed64',
  [ProtoType.SINT32]: 'sint32',
  [ProtoType.SINT64]: 'sint64',
};

/** The wire type each scalar codec is written with (unpacked). */
export const CODEC_WIRE_TYPES: Record<ScalarCodec, WireType> = {
  double: WireType.FIXED64,
  float: WireType.FIXED32,
  int64: WireType.VARINT,
  uint64: WireType.VARINT,
  int32: WireType.VARINT,
  fixed64: WireType.FIXED64,
  fixed32: WireType.FIXED32,
  bool: WireType.VARINT,
  string: WireType.LENGTH_DELIMITED,
  bytes: WireType.LENGTH_DELIMITED,
  uint32: WireType.VARINT,
  sfixed32: WireType.FIXED32,
  sfixed64: WireType.FIXED64,
  sint32: WireType.VARINT,
  sint64: WireType.VARINT,
};

const INT32_CODECS: readonly ScalarCodec[] = ['int32', 'sint32', 'sfixed32', 'uint32', 'fixed32'];
const INT64_CODECS: readonly ScalarCodec[] = ['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64', ...INT32_CODECS];

/**
 * Protobuf types accepted for each column type: the generator's choice first, then the variants whose
 * values can fit (the decoder range-checks the unsigned ones and the narrow columns).
 */
const ACCEPTED_CODECS: Partial<Record<DataType['kind'], readonly ScalarCodec[]>> = {
  byte: INT32_CODECS,
  short: INT32_CODECS,
  int: INT32_CODECS,
  date: INT32_CODECS,
  long: INT64_CODECS,
  timestamp: INT64_CODECS,
  timestamp_ntz: INT64_CODECS,
  float: ['float'],
  double: ['double', 'float'],
  boolean: ['bool'],
  string: ['string'],
  decimal: ['string'],
  binary: ['bytes'],
};

/** Reading one value of a scalar column (or array element, map key or value) from its protobuf type. */
export interface ScalarPlan {
  readonly kind: 'scalar';
  readonly codec: ScalarCodec;
  readonly type: DataType;
}

/** Reading a nested message (a struct column, or the record itself) into a list of fields. */
export interface MessagePlan {
  readonly kind: 'message';
  /** The message's name in the descriptor, for messages. */
  readonly messageName: string;
  /** One entry per column or struct field, in column order. */
  readonly fields: readonly FieldPlan[];
}

/** Reading a `map<K,V>` field: repeated entry messages with the key as field 1 and the value as field 2. */
export interface MapPlan {
  readonly kind: 'map';
  readonly key: ScalarPlan;
  readonly value: ScalarPlan | MessagePlan;
  readonly type: Extract<DataType, { kind: 'map' }>;
}

/** How one column or struct field is found in a message and read. */
export interface FieldPlan {
  /** Column or struct field name (the path segment in errors). */
  readonly name: string;
  readonly column: StructField;
  /** The protobuf field number, or null when the descriptor has no field for this column (`absent`). */
  readonly number: number | null;
  /** Absence is an error: the column is NOT NULL, or the field is proto2 `required`. */
  readonly required: boolean;
  /**
   * `single`: last occurrence wins (messages merge); `repeated`: an ARRAY column; `map`: a MAP column;
   * `absent`: a nullable column the descriptor has no field for, always null.
   */
  readonly shape:
    | { readonly kind: 'absent' }
    | { readonly kind: 'single'; readonly value: ScalarPlan | MessagePlan }
    | { readonly kind: 'repeated'; readonly element: ScalarPlan | MessagePlan }
    | { readonly kind: 'map'; readonly map: MapPlan };
}

/** The compiled form of a stream's descriptor: the record message, mapped onto the table's columns. */
export type RecordPlan = MessagePlan;

/** A field of a parsed DescriptorProto. */
interface FieldDescriptor {
  name: string;
  number: number;
  label: number;
  type: number;
  typeName: string;
}

/** A parsed DescriptorProto: just what record decoding needs. */
interface MessageDescriptor {
  name: string;
  fields: FieldDescriptor[];
  nested: MessageDescriptor[];
  enumNames: string[];
  mapEntry: boolean;
}

function invalid(message: string, field?: string): TributaryError {
  return new TributaryError('invalid_argument', message, field === undefined ? {} : { field });
}

/**
 * Reads `descriptor_proto` bytes and checks them against the table's columns; the result drives the
 * Protobuf record decoder. Throws `invalid_argument` naming the field and both types on any mismatch.
 */
export function compileRecordPlan(descriptorBytes: Uint8Array, columns: readonly Column[]): RecordPlan {
  const root = parseDescriptorProto(descriptorBytes);
  const types = new TypeIndex(root);
  return messagePlan(root, root.name, columns, types, '', true);
}

// --- Parsing ---------------------------------------------------------------------------------------

/**
 * Parses one serialized DescriptorProto. A FileDescriptorProto or FileDescriptorSet passed instead (a
 * common mistake) is recognised and named in the error.
 */
export function parseDescriptorProto(bytes: Uint8Array): MessageDescriptor {
  let parsed: MessageDescriptor | undefined;
  let failure: string | undefined;
  try {
    parsed = readMessage(new ProtoReader(bytes));
  } catch (e) {
    if (!(e instanceof ProtobufDecodeError || e instanceof DescriptorSyntaxError)) throw e;
    failure = e.message;
  }
  if (parsed === undefined || !IDENTIFIER.test(parsed.name)) {
    const container = recognizeContainer(bytes);
    if (container) {
      throw invalid(
        `descriptor_proto holds a ${container}; send the DescriptorProto of the record message alone (for example file.message_type[0], or Type.toDescriptor() in protobufjs)`,
      );
    }
  }
  if (parsed === undefined) throw invalid(`descriptor_proto is not a valid DescriptorProto: ${failure ?? ''}`);
  if (!IDENTIFIER.test(parsed.name)) {
    throw invalid(`descriptor_proto is not a valid DescriptorProto: message name ${JSON.stringify(parsed.name)}`);
  }
  return parsed;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

class DescriptorSyntaxError extends Error {}

function expectWire(tag: number, wireType: number, what: string): void {
  if ((tag & 7) !== wireType) throw new DescriptorSyntaxError(`${what} has wire type ${tag & 7}, expected ${wireType}`);
}

function readMessage(r: ProtoReader): MessageDescriptor {
  const m: MessageDescriptor = { name: '', fields: [], nested: [], enumNames: [], mapEntry: false };
  while (!r.done) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1:
        expectWire(tag, WireType.LENGTH_DELIMITED, 'DescriptorProto.name');
        m.name = r.string();
        break;
      case 2:
        expectWire(tag, WireType.LENGTH_DELIMITED, 'DescriptorProto.field');
        m.fields.push(readField(r.subReader()));
        break;
      case 3:
        expectWire(tag, WireType.LENGTH_DELIMITED, 'DescriptorProto.nested_type');
        m.nested.push(readMessage(r.subReader()));
        break;
      case 4:
        expectWire(tag, WireType.LENGTH_DELIMITED, 'DescriptorProto.enum_type');
        m.enumNames.push(readName(r.subReader()));
        break;
      case 7:
        expectWire(tag, WireType.LENGTH_DELIMITED, 'DescriptorProto.options');
        m.mapEntry = readMapEntryOption(r.subReader());
        break;
      default:
        // extension ranges, oneofs, reserved names and ranges: nothing record decoding needs.
        r.skipTag(tag);
    }
  }
  return m;
}

function readField(r: ProtoReader): FieldDescriptor {
  const f: FieldDescriptor = { name: '', number: 0, label: Label.OPTIONAL, type: 0, typeName: '' };
  while (!r.done) {
    const tag = r.tag();
    switch (tag >>> 3) {
      case 1:
        expectWire(tag, WireType.LENGTH_DELIMITED, 'FieldDescriptorProto.name');
        f.name = r.string();
        break;
      case 3:
        expectWire(tag, WireType.VARINT, 'FieldDescriptorProto.number');
        f.number = r.int32();
        break;
      case 4:
        expectWire(tag, WireType.VARINT, 'FieldDescriptorProto.label');
        f.label = r.int32();
        break;
      case 5:
        expectWire(tag, WireType.VARINT, 'FieldDescriptorProto.type');
        f.type = r.int32();
        break;
      case 6:
        expectWire(tag, WireType.LENGTH_DELIMITED, 'FieldDescriptorProto.type_name');
        f.typeName = r.string();
        break;
      default:
        r.skipTag(tag);
    }
  }
  if (!IDENTIFIER.test(f.name)) throw new DescriptorSyntaxError(`field name ${JSON.stringify(f.name)}`);
  if (f.number < 1 || f.number > 536870911) throw new DescriptorSyntaxError(`field ${f.name} has number ${f.number}`);
  if (f.label < Label.OPTIONAL || f.label > Label.REPEATED) {
    throw new DescriptorSyntaxError(`field ${f.name} has label ${f.label}`);
  }
  return f;
}

function readName(r: ProtoReader): string {
  let name = '';
  while (!r.done) {
    const tag = r.tag();
    if (tag >>> 3 === 1) {
      expectWire(tag, WireType.LENGTH_DELIMITED, 'name');
      name = r.string();
    } else {
      r.skipTag(tag);
    }
  }
  return name;
}

/** `MessageOptions.map_entry` (field 7). */
function readMapEntryOption(r: ProtoReader): boolean {
  let mapEntry = false;
  while (!r.done) {
    const tag = r.tag();
    if (tag >>> 3 === 7) {
      expectWire(tag, WireType.VARINT, 'MessageOptions.map_entry');
      mapEntry = r.bool();
    } else {
      r.skipTag(tag);
    }
  }
  return mapEntry;
}

/**
 * Names the container when the bytes are a FileDescriptorProto (field 4 holds message types, field 12 the
 * syntax) or a FileDescriptorSet (field 1 holds files) rather than a DescriptorProto.
 */
function recognizeContainer(bytes: Uint8Array): string | undefined {
  if (hasMessageTypes(bytes)) return 'FileDescriptorProto';
  const r = new ProtoReader(bytes);
  try {
    while (!r.done) {
      const tag = r.tag();
      if (tag === ((1 << 3) | WireType.LENGTH_DELIMITED)) {
        if (hasMessageTypes(r.bytes())) return 'FileDescriptorSet';
      } else {
        r.skipTag(tag);
      }
    }
  } catch (e) {
    if (!(e instanceof ProtobufDecodeError)) throw e;
  }
  return undefined;
}

function hasMessageTypes(bytes: Uint8Array): boolean {
  const r = new ProtoReader(bytes);
  let messageTypes = 0;
  try {
    while (!r.done) {
      const tag = r.tag();
      if (tag === ((4 << 3) | WireType.LENGTH_DELIMITED)) {
        if (IDENTIFIER.test(readMessage(r.subReader()).name)) messageTypes++;
      } else {
        r.skipTag(tag);
      }
    }
  } catch (e) {
    if (e instanceof ProtobufDecodeError || e instanceof DescriptorSyntaxError) return false;
    throw e;
  }
  return messageTypes > 0;
}

// --- Type references -------------------------------------------------------------------------------

/** The messages and enums declared inside the descriptor, by their dotted names from the root. */
class TypeIndex {
  /**
   * Declared messages by name. protobufjs names a map field's entry type after the field (`Places` for
   * `places`), and the official generator names a struct after its column too, so one name may hold a
   * map entry and a message; references are then told apart by what the column needs.
   */
  private readonly messages = new Map<string, MessageDescriptor[]>();
  private readonly names = new Map<MessageDescriptor, string>();
  private readonly enums = new Set<string>();

  constructor(root: MessageDescriptor) {
    this.add(root, root.name);
  }

  private add(m: MessageDescriptor, path: string): void {
    const declared = this.messages.get(path) ?? [];
    if (declared.some((d) => d.mapEntry === m.mapEntry)) throw invalid(`descriptor_proto declares message ${path} twice`);
    this.messages.set(path, [...declared, m]);
    this.names.set(m, path);
    for (const e of m.enumNames) this.enums.add(`${path}.${e}`);
    for (const n of m.nested) this.add(n, `${path}.${n.name}`);
  }

  /**
   * Resolves a `type_name` seen in the message at `scope`. Relative names are looked up from the scope
   * outwards, as protoc does; fully qualified names (`.pkg.Outer.Inner`) carry a package the lone
   * descriptor does not know, so the longest declared name they end with is taken. `mapEntry` says which
   * of a map entry and a message of the same name the referring field needs.
   */
  resolve(typeName: string, scope: string, mapEntry: boolean): MessageDescriptor | 'enum' | undefined {
    if (typeName.startsWith('.')) {
      const parts = typeName.slice(1).split('.');
      for (let i = 0; i < parts.length; i++) {
        const found = this.lookup(parts.slice(i).join('.'), mapEntry);
        if (found) return found;
      }
      return undefined;
    }
    for (let s = scope; ; s = s.slice(0, Math.max(0, s.lastIndexOf('.')))) {
      const found = this.lookup(s === '' ? typeName : `${s}.${typeName}`, mapEntry);
      if (found || s === '') return found;
    }
  }

  /** The dotted name of a declared message, the scope for the references inside it. */
  nameOf(m: MessageDescriptor): string {
    return this.names.get(m) ?? m.name;
  }

  private lookup(name: string, mapEntry: boolean): MessageDescriptor | 'enum' | undefined {
    const declared = this.messages.get(name);
    if (declared) return declared.find((d) => d.mapEntry === mapEntry) ?? declared[0];
    return this.enums.has(name) ? 'enum' : undefined;
  }
}

// --- Checking against columns ----------------------------------------------------------------------

const PROTO_TYPE_NAMES: Record<number, string> = {
  [ProtoType.GROUP]: 'group',
  [ProtoType.MESSAGE]: 'message',
  [ProtoType.ENUM]: 'enum',
};

/** A field's declared type as in a .proto file: `optional int64`, `repeated message Loc`, `map<string, int32>`. */
function protoTypeText(f: FieldDescriptor, resolved?: MessageDescriptor): string {
  if (resolved?.mapEntry) {
    const key = resolved.fields.find((e) => e.number === 1);
    const value = resolved.fields.find((e) => e.number === 2);
    return `map<${key ? baseTypeText(key) : '?'}, ${value ? baseTypeText(value) : '?'}>`;
  }
  const label = f.label === Label.REPEATED ? 'repeated' : f.label === Label.REQUIRED ? 'required' : 'optional';
  return `${label} ${baseTypeText(f)}`;
}

function baseTypeText(f: FieldDescriptor): string {
  const scalar = SCALAR_CODECS[f.type];
  if (scalar) return scalar;
  const name = PROTO_TYPE_NAMES[f.type] ?? (f.typeName === '' ? `type ${f.type}` : 'message');
  return f.typeName === '' ? name : `${name} ${f.typeName.replace(/^\./, '')}`;
}

function fieldPath(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

/**
 * Maps the fields of message `m` (declared at `scope`) onto `columns`: every field must name a column, and
 * every NOT NULL column must have a field.
 */
function messagePlan(
  m: MessageDescriptor,
  scope: string,
  columns: readonly StructField[],
  types: TypeIndex,
  prefix: string,
  topLevel: boolean,
): MessagePlan {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const fieldsByName = new Map<string, FieldDescriptor>();
  const numbers = new Set<number>();
  for (const f of m.fields) {
    const path = fieldPath(prefix, f.name);
    if (fieldsByName.has(f.name) || numbers.has(f.number)) {
      throw invalid(`descriptor field ${path} (#${f.number}) is declared twice`, path);
    }
    fieldsByName.set(f.name, f);
    numbers.add(f.number);
    if (!byName.has(f.name)) {
      const what = topLevel ? 'the table has no such column; its columns are' : 'the struct has no such field; its fields are';
      throw invalid(
        `descriptor field ${path} (${protoTypeText(f)}) matches no column: ${what}: ${listNames(columns.map((c) => c.name))}`,
        path,
      );
    }
  }
  const fields = columns.map((column): FieldPlan => {
    const path = fieldPath(prefix, column.name);
    const f = fieldsByName.get(column.name);
    if (!f) {
      if (!column.nullable) {
        throw invalid(
          `column ${path} (${sqlType(column.type)}) is NOT NULL but descriptor message ${m.name} has no field for it`,
          path,
        );
      }
      return { name: column.name, column, number: null, required: false, shape: { kind: 'absent' } };
    }
    const check = new FieldCheck(f, column, path, scope, types);
    return {
      name: column.name,
      column,
      number: f.number,
      required: f.label === Label.REQUIRED || !column.nullable,
      shape: check.shape(),
    };
  });
  return { kind: 'message', messageName: m.name, fields };
}

/** The check of one descriptor field against its column, producing how the field is read. */
class FieldCheck {
  constructor(
    private readonly f: FieldDescriptor,
    private readonly column: StructField,
    private readonly path: string,
    private readonly scope: string,
    private readonly types: TypeIndex,
  ) {}

  private fail(expected: string, resolved?: MessageDescriptor): never {
    throw invalid(
      `descriptor field ${this.path} is ${protoTypeText(this.f, resolved)} but column ${this.path} is ${sqlType(this.column.type)}: expected ${expected}`,
      this.path,
    );
  }

  shape(): FieldPlan['shape'] {
    const { f, column } = this;
    if (f.type === ProtoType.GROUP) this.fail('a field that is not a group (groups are not supported)');
    if (f.type === ProtoType.ENUM) this.fail(`${this.expectedFor(column.type)} (enum fields are not supported: use int32 or string)`);
    const resolved = this.resolved();
    const type = column.type;
    if (type.kind === 'array') {
      if (f.label !== Label.REPEATED || resolved?.mapEntry) this.fail(`repeated ${this.expectedFor(type.element)}`, resolved);
      return { kind: 'repeated', element: this.valuePlan(type.element, resolved, `repeated ${this.expectedFor(type.element)}`) };
    }
    if (type.kind === 'map') {
      if (f.label !== Label.REPEATED || !resolved?.mapEntry) this.fail(this.expectedFor(type), resolved);
      return { kind: 'map', map: this.mapPlan(type, resolved) };
    }
    if (f.label === Label.REPEATED) this.fail(`a non-repeated ${this.expectedFor(type)}`, resolved);
    return { kind: 'single', value: this.valuePlan(type, resolved, this.expectedFor(type)) };
  }

  private resolved(): MessageDescriptor | undefined {
    const { f } = this;
    if (f.type !== ProtoType.MESSAGE && !(f.type === 0 && f.typeName !== '')) return undefined;
    const found = this.types.resolve(f.typeName, this.scope, this.column.type.kind === 'map');
    if (found === 'enum') this.fail(`${this.expectedFor(this.column.type)} (enum fields are not supported: use int32 or string)`);
    if (!found) {
      throw invalid(
        `descriptor field ${this.path} refers to type ${f.typeName}, which is not declared inside the descriptor (a stream's DescriptorProto must nest every message it uses; well-known types such as google.protobuf.Timestamp are not supported: use int64 microseconds)`,
        this.path,
      );
    }
    return found;
  }

  /** How a value (the column's, or an array element's) of `type` is read from this field's type. */
  private valuePlan(type: DataType, resolved: MessageDescriptor | undefined, expected: string): ScalarPlan | MessagePlan {
    if (type.kind === 'struct') {
      if (!resolved || resolved.mapEntry) this.fail(expected, resolved);
      return messagePlan(resolved, this.types.nameOf(resolved), type.fields, this.types, this.path, false);
    }
    const codec = SCALAR_CODECS[this.f.type];
    if (resolved || codec === undefined || !ACCEPTED_CODECS[type.kind]?.includes(codec)) this.fail(expected, resolved);
    return { kind: 'scalar', codec, type };
  }

  private mapPlan(type: Extract<DataType, { kind: 'map' }>, entry: MessageDescriptor): MapPlan {
    const key = entry.fields.find((e) => e.number === 1);
    const value = entry.fields.find((e) => e.number === 2);
    if (!key || !value || entry.fields.length !== 2) this.fail(`${this.expectedFor(type)} (a map entry has key = 1 and value = 2)`, entry);
    const keyPath = `${this.path}.key`;
    const keyCheck = new FieldCheck(key, { name: 'key', type: type.key, nullable: false }, keyPath, this.types.nameOf(entry), this.types);
    const keyExpected = keyCheck.expectedFor(type.key);
    const keyPlan = keyCheck.valuePlan(type.key, keyCheck.resolved(), keyExpected);
    const valuePath = `${this.path}.value`;
    const valueCheck = new FieldCheck(
      value,
      { name: 'value', type: type.value, nullable: type.valueContainsNull },
      valuePath,
      this.types.nameOf(entry),
      this.types,
    );
    const valueResolved = valueCheck.resolved();
    const valuePlan = valueCheck.valuePlan(type.value, valueResolved, valueCheck.expectedFor(type.value));
    return { kind: 'map', key: keyPlan.kind === 'scalar' ? keyPlan : keyCheck.fail(keyExpected), value: valuePlan, type };
  }

  /** The protobuf spelling a column type is expected as; alternatives are listed for scalars only. */
  private expectedFor(type: DataType, alternatives = true): string {
    switch (type.kind) {
      case 'array':
        return `repeated ${this.expectedFor(type.element, false)}`;
      case 'map':
        return `map<${this.expectedFor(type.key, false)}, ${this.expectedFor(type.value, false)}>`;
      case 'struct':
        return alternatives ? 'a nested message' : 'message';
      default: {
        const [first, ...others] = ACCEPTED_CODECS[type.kind] ?? [];
        return !alternatives || others.length === 0 ? (first ?? 'nothing') : `${first} (or ${others.join(', ')})`;
      }
    }
  }
}
