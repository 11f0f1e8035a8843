/**
 * Version 0 of a table: the lowest protocol its column types allow, the metadata with its schema string,
 * and the provenance of the CREATE TABLE.
 */
import type { TableInfo } from '../catalog/model.js';
import { containsKind, deltaSchemaString, type StructField } from '../catalog/types.js';
import { TributaryError } from '../errors.js';
import { ENGINE_INFO, type Action, type MetadataAction, type ProtocolAction } from './actions.js';

/**
 * Table properties this writer honours. Other `delta.*` properties would enable features (deletion vectors,
 * column mapping, change data feed, ...) whose rules we do not implement, so they are refused.
 */
export const SUPPORTED_DELTA_PROPERTIES: ReadonlySet<string> = new Set([
  'delta.appendOnly',
  'delta.logRetentionDuration',
  'delta.deletedFileRetentionDuration',
  'delta.checkpointInterval',
  'delta.checkpoint.writeStatsAsJson',
  'delta.checkpoint.writeStatsAsStruct',
]);

/**
 * Writer features whose rules this writer follows (timestampNtz: write TIMESTAMP(isAdjustedToUTC=false);
 * invariants: refuse nulls in NOT NULL columns; appendOnly: honour `delta.appendOnly`).
 */
const WRITABLE_FEATURES: ReadonlySet<string> = new Set(['timestampNtz', 'appendOnly', 'invariants']);

/**
 * Writer version 2's features, which a table-features protocol must list to keep them: Delta Spark refuses
 * to read a table whose schema has a NOT NULL column unless `invariants` is listed.
 */
const LEGACY_WRITER_FEATURES: readonly string[] = ['appendOnly', 'invariants'];

/**
 * Whether this writer may append to a table with this protocol: writer versions 3–6 and unknown table
 * features bring rules (constraints, generated columns, column mapping, ...) it does not implement.
 */
export function isWritable(protocol: ProtocolAction): boolean {
  if (protocol.minReaderVersion > 3) return false;
  if (protocol.minWriterVersion <= 2) return true;
  if (protocol.minWriterVersion !== 7) return false;
  return (protocol.writerFeatures ?? []).every((f) => WRITABLE_FEATURES.has(f));
}

/** Protocol versions 1/2 unless a column type needs a table feature (reader 3 / writer 7 with the list). */
export function protocolFor(columns: readonly StructField[]): ProtocolAction {
  const features: string[] = [];
  if (columns.some((c) => containsKind(c.type, 'timestamp_ntz'))) features.push('timestampNtz');
  if (columns.some((c) => containsKind(c.type, 'variant'))) features.push('variantType');
  if (features.length === 0) return { minReaderVersion: 1, minWriterVersion: 2 };
  return {
    minReaderVersion: 3,
    minWriterVersion: 7,
    readerFeatures: features,
    writerFeatures: [...LEGACY_WRITER_FEATURES, ...features],
  };
}

/** The metadata action of a new table: the catalog's table id becomes the Delta table id. */
export function metadataFor(table: TableInfo, now: number): MetadataAction {
  for (const key of Object.keys(table.properties)) {
    if (key.startsWith('delta.') && !SUPPORTED_DELTA_PROPERTIES.has(key)) {
      throw new TributaryError('invalid_argument', `table property ${key} is not supported`, {
        table: table.fullName,
      });
    }
  }
  return {
    id: table.tableId,
    name: null,
    description: table.comment ?? null,
    format: { provider: 'parquet', options: {} },
    schemaString: deltaSchemaString(table.columns),
    partitionColumns: [],
    configuration: { ...table.properties },
    createdTime: now,
  };
}

/** Every action of version 0. */
export function createTableActions(table: TableInfo, now: number): Action[] {
  const metaData = metadataFor(table, now);
  return [
    { protocol: protocolFor(table.columns) },
    { metaData },
    {
      commitInfo: {
        timestamp: now,
        operation: 'CREATE TABLE',
        operationParameters: {
          isManaged: 'true',
          description: metaData.description,
          partitionBy: '[]',
          properties: JSON.stringify(metaData.configuration),
        },
        engineInfo: ENGINE_INFO,
      },
    },
  ];
}
