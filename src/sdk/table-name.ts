/**
 * Three-part Unity Catalog table names, checked locally before any network call with the official
 * client's messages.
 */
import { ZerobusError } from './zerobus-error.js';

/** `catalog.schema.table`, split. */
export interface TableName {
  readonly catalog: string;
  readonly schema: string;
  readonly table: string;
  /** The name as given. */
  readonly full: string;
}

function invalid(reason: string): ZerobusError {
  return new ZerobusError(`Specified UC table name is invalid: ${reason}`, false);
}

/** Splits and checks a table name; throws a non-retryable {@link ZerobusError} when it is not three parts. */
export function parseTableName(full: string): TableName {
  const parts = full.split('.');
  if (parts.length !== 3) {
    throw invalid(`Table name must have exactly 3 parts (catalog.schema.table), found ${parts.length} parts.`);
  }
  const [catalog, schema, table] = parts as [string, string, string];
  if (catalog === '') throw invalid('Catalog name cannot be empty.');
  if (schema === '') throw invalid('Schema name cannot be empty.');
  if (table === '') throw invalid('Table name cannot be empty.');
  return { catalog, schema, table, full };
}
