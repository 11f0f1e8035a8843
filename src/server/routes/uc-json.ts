/**
 * The Unity Catalog REST JSON shapes (`shared/specs/catalog-and-auth.md`) and the conversions between them
 * and the catalog model. Pure functions: reading a request body never touches the store.
 */
import type { CreateTableInput } from '../../catalog/catalog.js';
import type { CatalogInfo, Grant, Privilege, SchemaInfo, TableInfo, TableName } from '../../catalog/model.js';
import { displayName } from '../../catalog/names.js';
import {
  fromSparkField,
  parseTypeText,
  toSparkField,
  typeName,
  typeText,
  TypeSyntaxError,
  type Column,
  type DataType,
  type StructField,
} from '../../catalog/types.js';
import { TributaryError } from '../../errors.js';

export interface CatalogInfoJson {
  name: string;
  full_name: string;
  id: string;
  catalog_type: 'MANAGED_CATALOG';
  owner: string;
  comment?: string;
  properties: Record<string, string>;
  created_at: number;
  updated_at: number;
}

export interface SchemaInfoJson {
  name: string;
  catalog_name: string;
  full_name: string;
  schema_id: string;
  owner: string;
  comment?: string;
  properties: Record<string, string>;
  created_at: number;
  updated_at: number;
}

export interface ColumnInfoJson {
  name: string;
  type_text: string;
  type_name: string;
  /** A string holding the Spark StructField JSON, not an object. */
  type_json: string;
  type_precision: number;
  type_scale: number;
  position: number;
  nullable: boolean;
  comment?: string;
}

export interface TableInfoJson {
  name: string;
  catalog_name: string;
  schema_name: string;
  full_name: string;
  table_type: 'MANAGED';
  data_source_format: 'DELTA';
  columns: ColumnInfoJson[];
  storage_location: string;
  table_id: string;
  owner: string;
  comment?: string;
  properties: Record<string, string>;
  created_at: number;
  created_by: string;
  updated_at: number;
}

export interface PrivilegeAssignmentJson {
  principal: string;
  privileges: string[];
}

export function catalogJson(c: CatalogInfo): CatalogInfoJson {
  return {
    name: c.name,
    full_name: c.name,
    id: c.id,
    catalog_type: 'MANAGED_CATALOG',
    owner: c.owner,
    ...(c.comment === undefined ? {} : { comment: c.comment }),
    properties: { ...c.properties },
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export function schemaJson(s: SchemaInfo): SchemaInfoJson {
  return {
    name: s.name,
    catalog_name: s.catalogName,
    full_name: `${s.catalogName}.${s.name}`,
    schema_id: s.id,
    owner: s.owner,
    ...(s.comment === undefined ? {} : { comment: s.comment }),
    properties: { ...s.properties },
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

export function columnJson(c: Column): ColumnInfoJson {
  const decimal = c.type.kind === 'decimal' ? c.type : undefined;
  return {
    name: c.name,
    type_text: typeText(c.type),
    type_name: typeName(c.type),
    type_json: JSON.stringify(toSparkField(c)),
    type_precision: decimal?.precision ?? 0,
    type_scale: decimal?.scale ?? 0,
    position: c.position,
    nullable: c.nullable,
    ...(c.comment === undefined ? {} : { comment: c.comment }),
  };
}

export function tableJson(t: TableInfo): TableInfoJson {
  return {
    name: t.name,
    catalog_name: t.catalogName,
    schema_name: t.schemaName,
    full_name: t.fullName,
    table_type: 'MANAGED',
    data_source_format: 'DELTA',
    columns: t.columns.map(columnJson),
    storage_location: t.storageLocation,
    table_id: t.tableId,
    owner: t.owner,
    ...(t.comment === undefined ? {} : { comment: t.comment }),
    properties: { ...t.properties },
    created_at: t.createdAt,
    created_by: t.createdBy,
    updated_at: t.updatedAt,
  };
}

/** REST spells privileges as enum values: `USE_CATALOG`, not `USE CATALOG`. */
export function privilegeJson(privilege: Privilege): string {
  return privilege.replace(/ /g, '_');
}

/** Groups grants by principal, in the store's order. */
export function privilegeAssignmentsJson(grants: readonly Grant[]): PrivilegeAssignmentJson[] {
  const byPrincipal = new Map<string, string[]>();
  for (const g of grants) {
    const list = byPrincipal.get(g.principal) ?? [];
    list.push(privilegeJson(g.privilege));
    byPrincipal.set(g.principal, list);
  }
  return [...byPrincipal].map(([principal, privileges]) => ({ principal, privileges }));
}

function invalid(message: string, field?: string): TributaryError {
  return new TributaryError('invalid_argument', message, field === undefined ? {} : { field });
}

/**
 * Parses a JSON request body that must be an object.
 * @throws TributaryError INVALID_PARAMETER_VALUE saying what is wrong.
 */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0) throw invalid('a JSON request body is required');
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw invalid(`request body is not valid JSON: ${(error as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw invalid('request body must be a JSON object');
  }
  return json as Record<string, unknown>;
}

/** A required non-empty string field. */
export function requiredString(o: Record<string, unknown>, key: string, where = ''): string {
  const value = o[key];
  if (typeof value !== 'string' || value === '') throw invalid(`${where}${key} is required and must be a string`, key);
  return value;
}

/** An optional string field. */
export function optionalString(o: Record<string, unknown>, key: string, where = ''): string | undefined {
  const value = o[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${where}${key} must be a string`, key);
  return value;
}

function optionalProperties(o: Record<string, unknown>): Record<string, string> | undefined {
  const value = o.properties;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('properties must be an object of strings');
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalid(`property ${displayName(k)} must have a string value`);
  }
  return value as Record<string, string>;
}

/**
 * Reads the body of `POST /tables`: a TableInfo without ids. Columns may give their type as `type_text`, as
 * `type_json`, or both (which must then agree). Only managed Delta tables exist here, and the storage
 * location is always the server's choice.
 */
export function parseCreateTable(body: Record<string, unknown>, owner: string): CreateTableInput {
  const name: TableName = {
    catalog: requiredString(body, 'catalog_name'),
    schema: requiredString(body, 'schema_name'),
    table: requiredString(body, 'name'),
  };
  const tableType = optionalString(body, 'table_type');
  if (tableType !== undefined && tableType.toUpperCase() !== 'MANAGED') {
    throw invalid(`table_type ${displayName(tableType)} is not supported; only MANAGED tables can be created`);
  }
  const format = optionalString(body, 'data_source_format');
  if (format !== undefined && format.toUpperCase() !== 'DELTA') {
    throw invalid(`data_source_format ${displayName(format)} is not supported; tables are DELTA`);
  }
  if (optionalString(body, 'storage_location')) {
    throw invalid('storage_location cannot be chosen: the server assigns managed table locations');
  }
  if (!Array.isArray(body.columns)) throw invalid('columns is required and must be an array of ColumnInfo');
  const parsed = body.columns.map((c, i) => parseColumn(c, i));
  const columns = parsed.some((c) => c.explicitPosition)
    ? [...parsed].sort((a, b) => a.column.position - b.column.position).map((c) => c.column)
    : parsed.map((c) => c.column);
  const comment = optionalString(body, 'comment');
  const properties = optionalProperties(body);
  return {
    name,
    columns,
    owner,
    ...(comment === undefined ? {} : { comment }),
    ...(properties === undefined ? {} : { properties }),
  };
}

function parseColumn(json: unknown, index: number): { column: Column; explicitPosition: boolean } {
  const where = `columns[${index}].`;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw invalid(`columns[${index}] must be an object`);
  const o = json as Record<string, unknown>;
  const name = requiredString(o, 'name', where);
  const field = columnType(o, name, where);

  const typeNameText = optionalString(o, 'type_name', where);
  if (typeNameText !== undefined && typeNameText.toUpperCase() !== typeName(field.type)) {
    throw invalid(`column ${displayName(name)}: type_name ${displayName(typeNameText)} does not match its type ${typeText(field.type)} (${typeName(field.type)})`, name);
  }
  if (field.type.kind === 'decimal') {
    for (const [key, expected] of [['type_precision', field.type.precision], ['type_scale', field.type.scale]] as const) {
      const given = o[key];
      if (given !== undefined && given !== null && given !== 0 && given !== expected) {
        throw invalid(`column ${displayName(name)}: ${key} ${JSON.stringify(given)} does not match ${typeText(field.type)}`, name);
      }
    }
  }
  const nullable = o.nullable ?? field.nullable;
  if (typeof nullable !== 'boolean') throw invalid(`${where}nullable must be a boolean`, name);
  const position = o.position ?? index;
  if (typeof position !== 'number' || !Number.isInteger(position)) throw invalid(`${where}position must be an integer`, name);
  const comment = optionalString(o, 'comment', where) ?? field.comment;
  return {
    column: { name, type: field.type, nullable, position, ...(comment === undefined ? {} : { comment }) },
    explicitPosition: o.position !== undefined && o.position !== null,
  };
}

/** The column's type from `type_json` and/or `type_text`, with nullability and comment from `type_json`. */
function columnType(o: Record<string, unknown>, name: string, where: string): Omit<StructField, 'name'> {
  const text = optionalString(o, 'type_text', where);
  const jsonText = optionalString(o, 'type_json', where);
  if (text === undefined && jsonText === undefined) {
    throw invalid(`column ${displayName(name)}: give its type as type_text (e.g. "bigint") or type_json`, name);
  }
  const fromText = text === undefined ? undefined : typeOrThrow(() => parseTypeText(text), name, `type_text ${displayName(text)}`);
  if (jsonText === undefined) return { type: fromText!, nullable: true };
  const fromJson = typeOrThrow(() => fromSparkField(JSON.parse(jsonText)), name, 'type_json');
  if (fromJson.name !== name) {
    throw invalid(`column ${displayName(name)}: type_json names a different field, ${displayName(fromJson.name)}`, name);
  }
  if (fromText && typeText(fromText) !== typeText(fromJson.type)) {
    throw invalid(`column ${displayName(name)}: type_text ${typeText(fromText)} and type_json ${typeText(fromJson.type)} disagree`, name);
  }
  return fromJson;
}

function typeOrThrow<T extends DataType | StructField>(parse: () => T, column: string, what: string): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof TypeSyntaxError || error instanceof SyntaxError) {
      throw invalid(`column ${displayName(column)}: ${what} is not a valid type: ${error.message}`, column);
    }
    throw error;
  }
}
