/**
 * Unity Catalog's error codes and wording for missing or duplicate objects, shared by every store and by the
 * catalog service so that the CLI, the REST API and SQL all say the same thing.
 */
import { TributaryError } from '../errors.js';
import type { TableName } from './model.js';
import { formatTableName } from './names.js';

function notFound(code: string, message: string, table?: string): TributaryError {
  return new TributaryError('not_found', message, table === undefined ? {} : { table }, code);
}

function exists(code: string, message: string, table?: string): TributaryError {
  return new TributaryError('already_exists', message, table === undefined ? {} : { table }, code);
}

/** Errors for an object that does not exist (HTTP 404). */
export const missing = {
  catalog: (name: string) => notFound('CATALOG_DOES_NOT_EXIST', `Catalog '${name}' does not exist.`),
  schema: (catalog: string, name: string) =>
    notFound('SCHEMA_DOES_NOT_EXIST', `Schema '${catalog}.${name}' does not exist.`),
  table: (name: TableName) =>
    notFound(
      'TABLE_DOES_NOT_EXIST',
      `Table '${formatTableName(name)}' does not exist. ` +
        `Run SHOW TABLES IN ${name.catalog}.${name.schema} to see the tables there.`,
      formatTableName(name),
    ),
  principal: (idOrName: string) => notFound('PRINCIPAL_DOES_NOT_EXIST', `Principal '${idOrName}' does not exist.`),
};

/** Errors for an object that already exists (HTTP 409). */
export const duplicate = {
  catalog: (name: string) => exists('CATALOG_ALREADY_EXISTS', `Catalog '${name}' already exists.`),
  schema: (catalog: string, name: string) =>
    exists('SCHEMA_ALREADY_EXISTS', `Schema '${catalog}.${name}' already exists.`),
  table: (name: TableName) =>
    exists('TABLE_ALREADY_EXISTS', `Table '${formatTableName(name)}' already exists.`, formatTableName(name)),
  principal: (name: string) => exists('RESOURCE_ALREADY_EXISTS', `Principal '${name}' already exists.`),
};

/** Errors for dropping a container that still holds objects, without CASCADE / force. */
export const notEmpty = {
  catalog: (name: string) =>
    new TributaryError(
      'failed_precondition',
      `Catalog '${name}' is not empty: it holds schemas or tables. ` +
        `Use DROP CATALOG ${name} CASCADE to drop it with its contents.`,
      {},
      'CATALOG_NOT_EMPTY',
    ),
  schema: (catalog: string, name: string) =>
    new TributaryError(
      'failed_precondition',
      `Schema '${catalog}.${name}' is not empty: it holds tables. ` +
        `Use DROP SCHEMA ${catalog}.${name} CASCADE to drop it with its tables.`,
      {},
      'SCHEMA_NOT_EMPTY',
    ),
};
