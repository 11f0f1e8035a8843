/**
 * Protobuf records → row batch, driven by the plan compiled from the stream's descriptor.
 *
 * Decoding a message takes two passes over its bytes. The scan reads each tag, finds the field's slot by
 * number (unknown numbers and wrong wire types are errors) and notes where the value starts; the emit then
 * appends one value per column, in column order, reading each from where the scan found it. Noting
 * positions gives protobuf's semantics for free: the last occurrence of a scalar wins, occurrences of a
 * message merge, repeated fields may be packed, unpacked or both. Nothing is decoded into objects; strings
 * and bytes are copied from the input straight into the column buffers.
 */
import type { Column } from '../catalog/types.js';
import { TributaryError } from '../errors.js';
import { ProtoReader, ProtobufDecodeError, WireType, decodeUtf8 } from '../protocol/protobuf-wire.js';
import {
  CODEC_WIRE_TYPES,
  type FieldPlan,
  type MapPlan,
  type MessagePlan,
  type ScalarCodec,
  type ScalarPlan,
  compileRecordPlan,
} from './descriptor.js';
import { FieldProblem, malformedRecord, mismatch, recordError, sqlType } from './record-error.js';
import type { ColumnBuilder, ListBuilder, MapBuilder, RowBatch, StructBuilder } from './row-batch.js';
import { INT64_MAX, INT64_MIN, INT_RANGES, assertIngestible, parseDecimalText } from './value-checks.js';

/** Decodes Protobuf records into row batches of one table. */
export interface ProtoDecoder {
  /**
   * Validates one record and appends it as a row. On any problem the batch is left exactly as it was and
   * a `TributaryError('invalid_argument')` names the offset (and `index` within a batch message), the field
   * path and what was wrong.
   */
  decode(bytes: Uint8Array, into: RowBatch, offset: bigint, index?: number): void;
  /** Decodes every record of a batch message, all or none. */
  decodeBatch(records: readonly Uint8Array[], into: RowBatch, offset: bigint): void;
}

/**
 * Reads the stream's `descriptor_proto`, checks it against the table's columns and returns the stream's
 * decoder. Throws `invalid_argument` when the descriptor does not fit the table.
 */
export function compileProtoDecoder(descriptorBytes: Uint8Array, columns: readonly Column[]): ProtoDecoder {
  assertIngestible(columns);
  return new CompiledProtoDecoder(compileRecordPlan(descriptorBytes, columns), columns);
}

/**
 * After this many records in a row that did not decode in order, a decoder stops trying: its producer
 * writes fields in another order (or repeats them), and each attempt would only be undone.
 */
const MAX_ORDERED_FAILURES = 16;

/**
 * The fast path: a message whose fields each occur once, in column order (what protobuf encoders write),
 * is appended in one pass. Anything else, errors included, returns false with the builders partly written,
 * and the caller rolls back and takes the general path, which also gives every error its usual wording.
 */
function decodesInOrder(root: BoundMessage, bytes: Uint8Array): boolean {
  try {
    return root.appendInOrder(new ProtoReader(bytes), bytes.length);
  } catch {
    return false;
  }
}

class CompiledProtoDecoder implements ProtoDecoder {
  private bound?: { readonly batch: RowBatch; readonly root: BoundMessage };
  private orderedFailures = 0;

  constructor(
    private readonly plan: MessagePlan,
    private readonly columns: readonly Column[],
  ) {}

  decode(bytes: Uint8Array, into: RowBatch, offset: bigint, index?: number): void {
    const root = this.rootFor(into);
    const mark = into.mark();
    if (this.orderedFailures < MAX_ORDERED_FAILURES && root.ordered) {
      if (decodesInOrder(root, bytes)) {
        this.orderedFailures = 0;
        into.endRow();
        return;
      }
      this.orderedFailures++;
      into.rollback(mark);
    }
    try {
      const r = new ProtoReader(bytes);
      root.reset();
      root.scan(r, bytes.length);
      root.emit(r);
      into.endRow();
    } catch (e) {
      into.rollback(mark);
      if (e instanceof FieldProblem) throw recordError(e, offset, index);
      if (e instanceof ProtobufDecodeError) throw malformedRecord(offset, index, `not a valid protobuf message: ${e.message}`);
      throw e;
    }
  }

  decodeBatch(records: readonly Uint8Array[], into: RowBatch, offset: bigint): void {
    into.atomically(() => records.forEach((record, i) => this.decode(record, into, offset, i)));
  }

  private rootFor(batch: RowBatch): BoundMessage {
    if (this.bound?.batch !== batch) {
      if (batch.columns.length !== this.columns.length) {
        throw new TributaryError('internal', 'row batch built for different columns than the decoder');
      }
      this.bound = { batch, root: new BoundMessage(this.plan, batch.builders) };
    }
    return this.bound.root;
  }
}

/** One field of a message being decoded: where its occurrences are, and how to append its value. */
interface Slot {
  readonly name: string;
  /** Forgets the occurrences noted for the previous message. */
  reset(): void;
  /** Notes an occurrence whose value starts at `pos`; refuses a wire type the field cannot have. */
  note(pos: number, wireType: number): void;
  /** Appends the field's value for the message just scanned (null, or an error, when it never occurred). */
  emit(r: ProtoReader): void;
  /**
   * Fast path, for a field occurring once: appends the value at `r.pos` (with its wire type) and moves past
   * it, or `wireType` undefined for a field that does not occur. False when the general path must decide.
   * Absent from slots that always take the general path.
   */
  appendOnce?(r: ProtoReader, wireType: number | undefined): boolean;
}

/** Appends one scalar value read at the reader's position. */
type ValueReader = (r: ProtoReader) => void;

const WIRE_NAMES = ['varint', '64-bit', 'length-delimited', 'start-group', 'end-group', '32-bit', 'wire type 6', 'wire type 7'];

function wrongWireType(wireType: number, expected: string, expectedWire: number): FieldProblem {
  return new FieldProblem(
    `has wire type ${wireType} (${WIRE_NAMES[wireType]}), but the descriptor declares ${expected}, written as wire type ${expectedWire} (${WIRE_NAMES[expectedWire]})`,
  );
}

function missingValue(field: FieldPlan): FieldProblem {
  return new FieldProblem(
    field.column.nullable
      ? 'is declared required in the descriptor but the record has no value for it'
      : `is NOT NULL (${sqlType(field.column.type)}) but the record has no value for it`,
  );
}

/** A message type bound to the builders of its fields: the record itself, or a struct value. */
class BoundMessage {
  private readonly slots: Slot[];
  /** Slots by field number (sparse). */
  private readonly byNumber: (Slot | undefined)[] = [];
  /** Whether every field can take the in-order fast path. */
  readonly ordered: boolean;
  /**
   * The fast path over `[r.pos, end)`: every field once, in column order (see {@link decodesInOrder}).
   * Generated for the message (see {@link inOrderFactory}); false when the general path must decide.
   */
  readonly appendInOrder: (r: ProtoReader, end: number) => boolean;

  constructor(
    private readonly plan: MessagePlan,
    builders: readonly ColumnBuilder[],
  ) {
    this.slots = plan.fields.map((f, i) => {
      const slot = bindField(f, builders[i]!);
      if (f.number !== null) this.byNumber[f.number] = slot;
      return slot;
    });
    this.ordered = this.slots.every((s) => s.appendOnce !== undefined);
    this.appendInOrder = this.ordered ? inOrderFactory(plan, this.slots)(this.slots) : () => false;
  }

  reset(): void {
    for (const s of this.slots) s.reset();
  }

  /** Notes the fields found in `[r.pos, end)`. Several calls before one {@link emit} merge messages. */
  scan(r: ProtoReader, end: number): void {
    const byNumber = this.byNumber;
    while (r.pos < end) {
      const tag = r.tag();
      const wireType = tag & 7;
      const slot = byNumber[tag >>> 3];
      if (slot === undefined) {
        throw new FieldProblem(
          `unknown field number ${tag >>> 3} (${WIRE_NAMES[wireType]}): descriptor message ${this.plan.messageName} has no such field`,
        );
      }
      slot.note(r.pos, wireType);
      if (wireType === WireType.LENGTH_DELIMITED) {
        // Inline rather than r.skip(): the reader's delimited() allocates a pair per call.
        const length = r.uint32();
        r.pos += length;
      } else {
        r.skip(wireType);
      }
      if (r.pos > end) throw new ProtobufDecodeError('field runs past the end of its message', end);
    }
  }

  /** Appends one value to each field's builder. */
  emit(r: ProtoReader): void {
    const slots = this.slots;
    let i = 0;
    try {
      for (; i < slots.length; i++) slots[i]!.emit(r);
    } catch (e) {
      if (e instanceof FieldProblem) e.within(slots[i]!.name);
      throw e;
    }
  }
}

/** Binds a message's generated in-order decoder to one set of slots (one row batch's builders). */
type InOrderDecoder = (r: ProtoReader, end: number) => boolean;
type InOrderFactory = (slots: readonly Slot[]) => InOrderDecoder;

const inOrderFactories = new WeakMap<MessagePlan, InOrderFactory>();

/**
 * The in-order fast path as straight-line code, one step per column, generated once per message plan.
 * A loop over the slots made every value go through the same few call sites, each seeing every column's
 * reader and builder: megamorphic calls that V8 cannot inline. Here each column has its own call sites.
 * The source holds only numbers (tags, slot positions), never names from the descriptor.
 *
 * Each step expects its field's exact tag (number and wire type) next, compared as the bytes a protobuf
 * encoder writes for it, so that no varint is decoded for a field present in order: a call per tag that
 * V8 could not inline in so large a function was a tenth of the decoding time. Any other bytes there are
 * decoded as a tag ({@link peekTag}); a tag other than the field's leaves the column null (or fails a
 * required one) and stays unread for the following steps. A tag no step took, a value that does not read,
 * or bytes left over make it return false: the general path decides, and words the error.
 */
function inOrderFactory(plan: MessagePlan, slots: readonly Slot[]): InOrderFactory {
  let factory = inOrderFactories.get(plan);
  if (factory) return factory;
  const bind: string[] = [];
  const steps: string[] = [];
  slots.forEach((slot, i) => {
    if (slot instanceof AbsentSlot) {
      bind.push(`const b${i} = slots[${i}].builder;`);
      steps.push(`b${i}.appendNull();`);
    } else if (slot instanceof ScalarSlot && slot.field.number !== null) {
      bind.push(`const b${i} = slots[${i}].builder, v${i} = slots[${i}].read;`);
      const tag = slot.field.number * 8 + slot.wire;
      const bytes = varintBytes(tag);
      const matches = bytes.map((byte, k) => `buf[p + ${k}] === ${byte}`).join(' && ');
      const absent = slot.field.required ? 'return false;' : `b${i}.appendNull();`;
      steps.push(
        `p = r.pos; if (p + ${bytes.length} <= end && ${matches}) { r.pos = p + ${bytes.length}; v${i}(r); }` +
          ` else if (peekTag(r, end) === ${tag}) { r.uint32(); v${i}(r); } else { ${absent} }`,
      );
    } else {
      const number = plan.fields[i]!.number;
      bind.push(`const s${i} = slots[${i}];`);
      steps.push(
        number === null
          ? `if (!s${i}.appendOnce(r, undefined)) return false;`
          : `t = peekTag(r, end); if (t !== -1 && t >>> 3 === ${number}) { r.uint32(); if (!s${i}.appendOnce(r, t & 7)) return false; }` +
              ` else if (!s${i}.appendOnce(r, undefined)) return false;`,
      );
    }
  });
  const source = `${bind.join('\n')}
return function appendInOrder(r, end) {
  const buf = r.buf;
  let p = 0, t = 0;
  ${steps.join('\n  ')}
  return r.pos === end;
};`;
  const make = new Function('slots', 'peekTag', source) as (s: readonly Slot[], peek: typeof peekTag) => InOrderDecoder;
  factory = (bound) => make(bound, peekTag);
  inOrderFactories.set(plan, factory);
  return factory;
}

/** The tag at `r.pos`, left unread; -1 at `end`. */
function peekTag(r: ProtoReader, end: number): number {
  if (r.pos >= end) return -1;
  const at = r.pos;
  const tag = r.uint32();
  r.pos = at;
  return tag;
}

/** The bytes of `value` as a varint, as encoders write it (shortest form). */
function varintBytes(value: number): number[] {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return bytes;
}

function bindField(field: FieldPlan, builder: ColumnBuilder): Slot {
  const shape = field.shape;
  switch (shape.kind) {
    case 'absent':
      return new AbsentSlot(field.name, builder);
    case 'single':
      if (shape.value.kind === 'scalar') return new ScalarSlot(field, shape.value, builder);
      if (builder.kind !== 'struct') break;
      return new MessageSlot(field, new BoundMessage(shape.value, builder.children), builder);
    case 'repeated':
      if (builder.kind !== 'list') break;
      if (shape.element.kind === 'scalar') return new RepeatedScalarSlot(field.name, shape.element, builder.element, builder);
      if (builder.element.kind !== 'struct') break;
      return new RepeatedMessageSlot(field.name, new BoundMessage(shape.element, builder.element.children), builder.element, builder);
    case 'map':
      if (builder.kind !== 'map') break;
      return new MapSlot(field.name, shape.map, builder);
  }
  throw new TypeError(`a ${builder.kind} builder cannot hold field ${field.name}`);
}

/** A nullable column the descriptor has no field for. */
class AbsentSlot implements Slot {
  constructor(
    readonly name: string,
    readonly builder: ColumnBuilder,
  ) {}

  reset(): void {}

  note(): void {
    throw new TypeError('a field without a number cannot occur');
  }

  emit(): void {
    this.builder.appendNull();
  }

  appendOnce(): boolean {
    this.builder.appendNull();
    return true;
  }
}

/** A scalar column: the last occurrence wins. */
class ScalarSlot implements Slot {
  readonly name: string;
  private last = -1;
  readonly wire: number;
  readonly read: ValueReader;

  constructor(
    readonly field: FieldPlan,
    private readonly plan: ScalarPlan,
    readonly builder: ColumnBuilder,
  ) {
    this.name = field.name;
    this.wire = CODEC_WIRE_TYPES[plan.codec];
    this.read = scalarReader(plan, builder);
  }

  reset(): void {
    this.last = -1;
  }

  note(pos: number, wireType: number): void {
    if (wireType !== this.wire) throw wrongWireType(wireType, this.plan.codec, this.wire).within(this.name);
    this.last = pos;
  }

  emit(r: ProtoReader): void {
    if (this.last < 0) {
      if (this.field.required) throw missingValue(this.field);
      this.builder.appendNull();
      return;
    }
    r.pos = this.last;
    this.read(r);
  }

  appendOnce(r: ProtoReader, wireType: number | undefined): boolean {
    if (wireType === undefined) {
      if (this.field.required) return false;
      this.builder.appendNull();
      return true;
    }
    if (wireType !== this.wire) return false;
    this.read(r);
    return true;
  }
}

/** A struct column: every occurrence of the message is merged into one value, as protobuf does. */
class MessageSlot implements Slot {
  readonly name: string;
  private readonly positions: number[] = [];

  constructor(
    private readonly field: FieldPlan,
    private readonly message: BoundMessage,
    private readonly builder: StructBuilder,
  ) {
    this.name = field.name;
  }

  reset(): void {
    this.positions.length = 0;
  }

  note(pos: number, wireType: number): void {
    if (wireType !== WireType.LENGTH_DELIMITED) {
      throw wrongWireType(wireType, 'a message', WireType.LENGTH_DELIMITED).within(this.name);
    }
    this.positions.push(pos);
  }

  emit(r: ProtoReader): void {
    if (this.positions.length === 0) {
      if (this.field.required) throw missingValue(this.field);
      this.builder.appendNull();
      return;
    }
    this.message.reset();
    for (const pos of this.positions) scanDelimited(r, pos, this.message);
    this.message.emit(r);
    this.builder.endStruct();
  }

  appendOnce(r: ProtoReader, wireType: number | undefined): boolean {
    if (wireType === undefined) {
      if (this.field.required) return false;
      this.builder.appendNull();
      return true;
    }
    if (wireType !== WireType.LENGTH_DELIMITED || !this.message.ordered) return false;
    const length = r.uint32();
    if (!this.message.appendInOrder(r, r.pos + length)) return false;
    this.builder.endStruct();
    return true;
  }
}

/** Scans the length-delimited message whose length prefix is at `pos`. */
function scanDelimited(r: ProtoReader, pos: number, message: BoundMessage): void {
  r.pos = pos;
  const length = r.uint32();
  message.scan(r, r.pos + length);
}

/** Occurrences of a repeated field, as `position * 8 + wireType` (a packed run is one occurrence). */
class Occurrences {
  readonly list: number[] = [];

  add(pos: number, wireType: number): void {
    this.list.push(pos * 8 + wireType);
  }
}

/** An ARRAY column of scalars: packed and unpacked occurrences are both accepted, in any mix. */
class RepeatedScalarSlot implements Slot {
  private readonly occurrences = new Occurrences();
  private readonly wire: number;
  private readonly packable: boolean;
  private readonly read: ValueReader;

  constructor(
    readonly name: string,
    private readonly plan: ScalarPlan,
    private readonly element: ColumnBuilder,
    private readonly builder: ListBuilder,
  ) {
    this.wire = CODEC_WIRE_TYPES[plan.codec];
    this.packable = this.wire !== WireType.LENGTH_DELIMITED;
    this.read = scalarReader(plan, element);
  }

  reset(): void {
    this.occurrences.list.length = 0;
  }

  note(pos: number, wireType: number): void {
    if (wireType !== this.wire && !(this.packable && wireType === WireType.LENGTH_DELIMITED)) {
      throw wrongWireType(wireType, `repeated ${this.plan.codec}`, this.wire).within(this.name);
    }
    this.occurrences.add(pos, wireType);
  }

  emit(r: ProtoReader): void {
    let index = 0;
    try {
      for (const occurrence of this.occurrences.list) {
        r.pos = occurrence >>> 3;
        if ((occurrence & 7) === this.wire) {
          this.read(r);
          index++;
          continue;
        }
        const length = r.uint32();
        const end = r.pos + length;
        while (r.pos < end) {
          this.read(r);
          index++;
        }
        if (r.pos !== end) throw new ProtobufDecodeError(`packed field ${this.name} ends inside a value`, end);
      }
    } catch (e) {
      if (e instanceof FieldProblem) e.within(`[${index}]`);
      throw e;
    }
    this.builder.endList();
  }
}

/** An ARRAY<STRUCT> column: each occurrence is one element. */
class RepeatedMessageSlot implements Slot {
  private readonly positions: number[] = [];

  constructor(
    readonly name: string,
    private readonly message: BoundMessage,
    private readonly element: StructBuilder,
    private readonly builder: ListBuilder,
  ) {}

  reset(): void {
    this.positions.length = 0;
  }

  note(pos: number, wireType: number): void {
    if (wireType !== WireType.LENGTH_DELIMITED) {
      throw wrongWireType(wireType, 'a repeated message', WireType.LENGTH_DELIMITED).within(this.name);
    }
    this.positions.push(pos);
  }

  emit(r: ProtoReader): void {
    const positions = this.positions;
    let i = 0;
    try {
      for (; i < positions.length; i++) {
        this.message.reset();
        scanDelimited(r, positions[i]!, this.message);
        this.message.emit(r);
        this.element.endStruct();
      }
    } catch (e) {
      if (e instanceof FieldProblem) e.within(`[${i}]`);
      throw e;
    }
    this.builder.endList();
  }
}

/** How a map's values are appended: scalars read in place, or struct messages. */
type MapValue =
  | { readonly kind: 'scalar'; readonly plan: ScalarPlan; readonly read: ValueReader }
  | { readonly kind: 'message'; readonly message: BoundMessage; readonly builder: StructBuilder };

/** A MAP column: repeated entries with key = 1 and value = 2; a repeated key keeps its last value. */
class MapSlot implements Slot {
  private readonly positions: number[] = [];
  private readonly keyWire: number;
  private readonly valueWire: number;
  private readonly readKey: ValueReader;
  private readonly value: MapValue;

  constructor(
    readonly name: string,
    private readonly plan: MapPlan,
    private readonly builder: MapBuilder,
  ) {
    this.keyWire = CODEC_WIRE_TYPES[plan.key.codec];
    this.readKey = scalarReader(plan.key, builder.keys);
    const value = plan.value;
    const values = builder.values;
    if (value.kind === 'scalar') {
      this.valueWire = CODEC_WIRE_TYPES[value.codec];
      this.value = { kind: 'scalar', plan: value, read: scalarReader(value, values) };
    } else {
      if (values.kind !== 'struct') throw new TypeError(`a ${values.kind} builder cannot hold map values of ${name}`);
      this.valueWire = WireType.LENGTH_DELIMITED;
      this.value = { kind: 'message', message: new BoundMessage(value, values.children), builder: values };
    }
  }

  reset(): void {
    this.positions.length = 0;
  }

  note(pos: number, wireType: number): void {
    if (wireType !== WireType.LENGTH_DELIMITED) {
      throw wrongWireType(wireType, 'a map', WireType.LENGTH_DELIMITED).within(this.name);
    }
    this.positions.push(pos);
  }

  emit(r: ProtoReader): void {
    const positions = this.positions;
    const superseded = positions.length > 1 ? this.supersededEntries(r) : undefined;
    for (let i = 0; i < positions.length; i++) {
      if (superseded?.has(i)) continue;
      const { key, value } = this.locate(r, positions[i]!, i);
      this.emitKey(r, key, i);
      this.emitValue(r, value, key);
    }
    this.builder.endMap();
  }

  /** Where an entry's key and value start (-1 when absent: protobuf then means the type's default). */
  private locate(r: ProtoReader, pos: number, index: number): { key: number; value: number } {
    r.pos = pos;
    const length = r.uint32();
    const end = r.pos + length;
    let key = -1;
    let value = -1;
    try {
      while (r.pos < end) {
        const tag = r.tag();
        const wireType = tag & 7;
        const number = tag >>> 3;
        if (number === 1) {
          if (wireType !== this.keyWire) throw wrongWireType(wireType, `key ${this.plan.key.codec}`, this.keyWire);
          key = r.pos;
        } else if (number === 2) {
          if (wireType !== this.valueWire) throw wrongWireType(wireType, 'the map value type', this.valueWire);
          value = r.pos;
        } else {
          throw new FieldProblem(`unknown field number ${number} in a map entry (only key = 1 and value = 2)`);
        }
        r.skip(wireType);
        if (r.pos > end) throw new ProtobufDecodeError('field runs past the end of its map entry', end);
      }
    } catch (e) {
      if (e instanceof FieldProblem) e.within(`[entry ${index}]`);
      throw e;
    }
    return { key, value };
  }

  /** Entries whose key occurs again later: protobuf keeps the last value for a key. */
  private supersededEntries(r: ProtoReader): Set<number> | undefined {
    const lastByKey = new Map<string, number>();
    const positions = this.positions;
    for (let i = 0; i < positions.length; i++) {
      const { key } = this.locate(r, positions[i]!, i);
      lastByKey.set(key < 0 ? '' : keyIdentity(r, key, this.plan.key.codec), i);
    }
    if (lastByKey.size === positions.length) return undefined;
    const keep = new Set(lastByKey.values());
    const superseded = new Set<number>();
    for (let i = 0; i < positions.length; i++) if (!keep.has(i)) superseded.add(i);
    return superseded;
  }

  private emitKey(r: ProtoReader, key: number, index: number): void {
    try {
      if (key < 0) {
        appendDefault(this.builder.keys, this.plan.key);
      } else {
        r.pos = key;
        this.readKey(r);
      }
    } catch (e) {
      if (e instanceof FieldProblem) throw new FieldProblem(`map key: ${e.message}`).within(`[entry ${index}]`);
      throw e;
    }
  }

  private emitValue(r: ProtoReader, value: number, key: number): void {
    const v = this.value;
    try {
      if (v.kind === 'message') {
        // An absent message value is the empty message: a struct whose fields are all null.
        v.message.reset();
        if (value >= 0) scanDelimited(r, value, v.message);
        v.message.emit(r);
        v.builder.endStruct();
      } else if (value < 0) {
        appendDefault(this.builder.values, v.plan);
      } else {
        r.pos = value;
        v.read(r);
      }
    } catch (e) {
      if (e instanceof FieldProblem) e.within(`[${key < 0 ? '(default key)' : JSON.stringify(keyIdentity(r, key, this.plan.key.codec))}]`);
      throw e;
    }
  }
}

/** A map key's value as text, to compare keys and to name them in errors. */
function keyIdentity(r: ProtoReader, pos: number, codec: ScalarCodec): string {
  r.pos = pos;
  switch (codec) {
    case 'string': {
      const length = r.uint32();
      return decodeUtf8(r.buf, r.pos, r.pos + length);
    }
    case 'bytes': {
      // latin1 maps each byte to one char: distinct byte strings stay distinct.
      const length = r.uint32();
      return Buffer.from(r.buf.buffer, r.buf.byteOffset + r.pos, length).toString('latin1');
    }
    case 'bool':
      return String(r.bool());
    case 'float':
      return String(r.float());
    case 'double':
      return String(r.double());
    default:
      return String(readInteger(r, codec));
  }
}

/** Protobuf's default for an absent map key or value: zero, false, empty. */
function appendDefault(builder: ColumnBuilder, plan: ScalarPlan): void {
  switch (builder.kind) {
    case 'number':
      return builder.append(0);
    case 'int64':
      return builder.appendNumber(0);
    case 'bool':
      return builder.append(false);
    case 'bytes':
      return builder.appendString('');
    default:
      throw new FieldProblem(`is absent, and ${sqlType(plan.type)} has no protobuf default`);
  }
}

// --- Scalar values ---------------------------------------------------------------------------------

/** Reads an integer of any protobuf integer encoding; a bigint only when a number could not be exact. */
function readInteger(r: ProtoReader, codec: ScalarCodec): number | bigint {
  switch (codec) {
    case 'int32':
    case 'int64':
      // int32 and int64 share one encoding: reading 64 bits lets a value that does not fit be refused
      // instead of silently truncated.
      return r.int64Number();
    case 'uint32':
      return r.uint32();
    case 'sint32':
      return r.sint32();
    case 'fixed32':
      return r.fixed32();
    case 'sfixed32':
      return r.sfixed32();
    case 'uint64':
      return r.uint64();
    case 'sint64':
      return r.sint64();
    case 'fixed64':
      return r.fixed64();
    case 'sfixed64':
      return r.sfixed64();
    default:
      throw new TypeError(`${codec} is not an integer encoding`);
  }
}

/** The reader appending one value of `plan` (read from its protobuf type) to `builder`. */
function scalarReader(plan: ScalarPlan, builder: ColumnBuilder): ValueReader {
  const { codec, type } = plan;
  switch (builder.kind) {
    case 'number': {
      const b = builder;
      const range = INT_RANGES[type.kind];
      if (range) {
        const { min, max } = range;
        const expected = `${sqlType(type)} (an integer from ${min} to ${max})`;
        if (codec === 'int32') {
          return (r) => {
            const v = r.int64Number();
            if (typeof v !== 'number' || v < min || v > max) throw mismatch(expected, v);
            b.append(v);
          };
        }
        return (r) => {
          const v = readInteger(r, codec);
          if (typeof v !== 'number' || v < min || v > max) throw mismatch(expected, v);
          b.append(v);
        };
      }
      if (codec === 'double') return (r) => b.append(r.double());
      return (r) => b.append(r.float());
    }
    case 'int64': {
      const b = builder;
      if (codec === 'int64') {
        return (r) => {
          const v = r.int64Number();
          if (typeof v === 'number') b.appendNumber(v);
          else b.appendBigInt(v);
        };
      }
      const expected = `${sqlType(type)} (a signed 64-bit integer)`;
      return (r) => {
        const v = readInteger(r, codec);
        if (typeof v === 'number') return b.appendNumber(v);
        if (v < INT64_MIN || v > INT64_MAX) throw mismatch(expected, v);
        b.appendBigInt(v);
      };
    }
    case 'bool': {
      const b = builder;
      return (r) => b.append(r.bool());
    }
    case 'decimal': {
      const b = builder;
      if (type.kind !== 'decimal') break;
      const { precision, scale } = type;
      const expected = `${sqlType(type)} (decimal text such as "123.45")`;
      return (r) => {
        const length = r.lengthPrefix();
        const start = r.pos;
        r.pos += length;
        const text = decodeUtf8(r.buf, start, start + length);
        const parsed = parseDecimalText(text, precision, scale);
        if (!parsed.ok) throw mismatch(expected, text, parsed.reason);
        b.append(parsed.unscaled);
      };
    }
    case 'bytes': {
      const b = builder;
      if (type.kind === 'binary') {
        return (r) => {
          const length = r.lengthPrefix();
          const start = r.pos;
          r.pos = start + length;
          b.appendBytes(r.buf, start, start + length);
        };
      }
      return (r) => {
        const length = r.lengthPrefix();
        const start = r.pos;
        const end = start + length;
        r.pos = end;
        if (!b.appendUtf8(r.buf, start, end)) throw notUtf8();
      };
    }
    default:
      break;
  }
  throw new TypeError(`a ${builder.kind} builder cannot hold ${type.kind} values`);
}

function notUtf8(): FieldProblem {
  return new FieldProblem('expected STRING (UTF-8 text), got bytes that are not valid UTF-8');
}
