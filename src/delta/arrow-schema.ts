/**
 * Table columns → Arrow schema. The in-memory batches, the WAL payloads (Arrow IPC) and the Parquet files
 * all use this one schema, so replay needs no descriptor and Parquet gets the right logical types.
 *
 * Child field names are the Parquet spec's (`element` for lists, `key_value`/`key`/`value` for maps) so the
 * arrow-rs Parquet writer emits the standard three-level LIST and MAP groups that Delta readers expect.
 */
import {
  Binary,
  Bool,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  Map_,
  Schema,
  Struct,
  TimestampMicrosecond,
  Utf8,
  type DataType as ArrowType,
} from 'apache-arrow';
import type { DataType, StructField } from '../catalog/types.js';
import { TributaryError } from '../errors.js';

/** Time zone of TIMESTAMP columns: Parquet then marks them isAdjustedToUTC=true. */
export const UTC = 'UTC';

/** Maps a column type to its Arrow type (see the table in `shared/specs/types.md`). */
export function toArrowType(type: DataType): ArrowType {
  switch (type.kind) {
    case 'string':
      return new Utf8();
    case 'boolean':
      return new Bool();
    case 'byte':
      return new Int8();
    case 'short':
      return new Int16();
    case 'int':
      return new Int32();
    case 'long':
      return new Int64();
    case 'float':
      return new Float32();
    case 'double':
      return new Float64();
    case 'decimal':
      return new Decimal(type.scale, type.precision, 128);
    case 'date':
      return new DateDay();
    case 'timestamp':
      return new TimestampMicrosecond(UTC);
    case 'timestamp_ntz':
      return new TimestampMicrosecond();
    case 'binary':
      return new Binary();
    case 'array':
      return new List(new Field('element', toArrowType(type.element), type.containsNull));
    case 'map': {
      const entries = new Field(
        'key_value',
        new Struct<{ key: ArrowType; value: ArrowType }>([
          new Field('key', toArrowType(type.key), false),
          new Field('value', toArrowType(type.value), type.valueContainsNull),
        ]),
        false,
      );
      const map = new Map_(entries);
      // apache-arrow's Map_ renames its entries field to `entries`; restore the Parquet spec's name.
      (map.children[0] as { name: string }).name = 'key_value';
      return map;
    }
    case 'struct':
      return new Struct(type.fields.map(toArrowField));
    case 'variant':
      throw new TributaryError('invalid_argument', 'VARIANT columns cannot be ingested yet');
  }
}

/** Maps a column or struct member to an Arrow field of the same name and nullability. */
export function toArrowField(field: StructField): Field {
  return new Field(field.name, toArrowType(field.type), field.nullable);
}

/** The Arrow schema of a table. */
export function toArrowSchema(columns: readonly StructField[]): Schema {
  return new Schema(columns.map(toArrowField));
}
