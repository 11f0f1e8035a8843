/**
 * The catalog service used by the server, the REST API and the SQL executor: validates and normalises names
 * and columns, assigns storage locations, and keeps table storage (the Delta layer) in step with the store.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TributaryError } from '../errors.js';
import { missing } from './catalog-errors.js';
import type { CatalogInfo, CatalogStore, SchemaInfo, TableInfo, TableName } from './model.js';
import {
  formatTableName,
  normalizeTableName,
  validateColumns,
  validateIdentifier,
  validateTableProperties,
} from './names.js';
import type { Column } from './types.js';

/**
 * Where table data lives. The Delta layer implements it: `create` writes version 0 of a new table at its
 * `storageLocation`, `drop` removes the table's files.
 */
export interface TableStorage {
  create(table: TableInfo): Promise<void>;
  drop(table: TableInfo): Promise<void>;
}

/** What a caller provides to create a table. */
export interface CreateTableInput {
  readonly name: TableName;
  readonly columns: readonly Column[];
  readonly comment?: string;
  readonly properties?: Readonly<Record<string, string>>;
  /** Application id of the creating principal. */
  readonly owner: string;
}

/** Owner recorded for the default catalog and schema when no principal is given. */
export const SYSTEM_OWNER = 'tributary';

export const DEFAULT_CATALOG = 'main';
export const DEFAULT_SCHEMA = 'default';

/**
 * The `file://` URL of a table's directory: `<tablesDir>/<catalog>/<schema>/<table>`, from validated names
 * only, and checked to stay inside `tablesDir` even so.
 */
export function tableLocation(tablesDir: string, name: TableName): string {
  const root = path.resolve(tablesDir);
  const dir = path.resolve(root, name.catalog, name.schema, name.table);
  const relative = path.relative(root, dir);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new TributaryError('internal', `table location for ${formatTableName(name)} escapes the tables directory`);
  }
  return pathToFileURL(dir).href;
}

/** Catalogs, schemas and tables, with validation and storage side effects. */
export class Catalog {
  private readonly tablesDir: string;
  private readonly storage: TableStorage | undefined;

  constructor(
    readonly store: CatalogStore,
    opts: { tablesDir: string; storage?: TableStorage },
  ) {
    this.tablesDir = path.resolve(opts.tablesDir);
    this.storage = opts.storage;
  }

  /** Creates catalog `main` with schema `default` if missing, as a Databricks workspace has them. */
  async ensureDefaults(owner: string = SYSTEM_OWNER): Promise<void> {
    await this.store.createCatalog(DEFAULT_CATALOG, { owner, ifNotExists: true });
    await this.store.createSchema(DEFAULT_CATALOG, DEFAULT_SCHEMA, { owner, ifNotExists: true });
  }

  /** Creates a catalog (with its `default` schema). */
  async createCatalog(
    name: string,
    opts: { comment?: string; owner: string; ifNotExists?: boolean },
  ): Promise<CatalogInfo> {
    return this.store.createCatalog(validateIdentifier('catalog', name), opts);
  }

  /** @throws TributaryError CATALOG_DOES_NOT_EXIST */
  async getCatalog(name: string): Promise<CatalogInfo> {
    const normal = validateIdentifier('catalog', name);
    const info = await this.store.getCatalog(normal);
    if (!info) throw missing.catalog(normal);
    return info;
  }

  async listCatalogs(): Promise<CatalogInfo[]> {
    return this.store.listCatalogs();
  }

  /** Drops a catalog; with `force`, its schemas and tables too (and their storage). */
  async deleteCatalog(name: string, opts: { force?: boolean; ifExists?: boolean } = {}): Promise<void> {
    const normal = validateIdentifier('catalog', name);
    const doomed = opts.force ? await this.tablesInCatalog(normal) : [];
    await this.store.deleteCatalog(normal, opts);
    await this.dropStorage(doomed);
  }

  async createSchema(
    catalog: string,
    name: string,
    opts: { comment?: string; owner: string; ifNotExists?: boolean },
  ): Promise<SchemaInfo> {
    return this.store.createSchema(validateIdentifier('catalog', catalog), validateIdentifier('schema', name), opts);
  }

  /** @throws TributaryError CATALOG_DOES_NOT_EXIST or SCHEMA_DOES_NOT_EXIST */
  async getSchema(catalog: string, name: string): Promise<SchemaInfo> {
    const c = validateIdentifier('catalog', catalog);
    const s = validateIdentifier('schema', name);
    const info = await this.store.getSchema(c, s);
    if (info) return info;
    await this.getCatalog(c);
    throw missing.schema(c, s);
  }

  /** @throws TributaryError CATALOG_DOES_NOT_EXIST */
  async listSchemas(catalog: string): Promise<SchemaInfo[]> {
    return this.store.listSchemas(validateIdentifier('catalog', catalog));
  }

  /** Drops a schema; with `force`, its tables too (and their storage). */
  async deleteSchema(catalog: string, name: string, opts: { force?: boolean; ifExists?: boolean } = {}): Promise<void> {
    const c = validateIdentifier('catalog', catalog);
    const s = validateIdentifier('schema', name);
    const exists = (await this.store.getSchema(c, s)) !== undefined;
    const doomed = opts.force && exists ? await this.store.listTables(c, s) : [];
    await this.store.deleteSchema(c, s, opts);
    await this.dropStorage(doomed);
  }

  /**
   * Creates a table: validates its names and columns, records it with its storage location, then lets the
   * storage create it (and forgets the table again if that fails). With `ifNotExists`, an existing table is
   * returned untouched with `created: false`.
   * @throws TributaryError INVALID_PARAMETER_VALUE, CATALOG/SCHEMA_DOES_NOT_EXIST, TABLE_ALREADY_EXISTS
   */
  async createTable(
    input: CreateTableInput,
    opts: { ifNotExists?: boolean } = {},
  ): Promise<{ table: TableInfo; created: boolean }> {
    const name = normalizeTableName(input.name);
    validateColumns(input.columns);
    validateTableProperties(input.properties ?? {});
    const result = await this.store.createTable(
      {
        name,
        columns: input.columns,
        owner: input.owner,
        storageLocation: tableLocation(this.tablesDir, name),
        ...(input.comment === undefined ? {} : { comment: input.comment }),
        ...(input.properties === undefined ? {} : { properties: input.properties }),
      },
      opts,
    );
    if (result.created && this.storage) {
      try {
        await this.storage.create(result.table);
      } catch (error) {
        await this.store.deleteTable(name, { ifExists: true });
        throw error;
      }
    }
    return result;
  }

  /** The table, or undefined when it does not exist. */
  async findTable(name: TableName): Promise<TableInfo | undefined> {
    return this.store.getTable(normalizeTableName(name));
  }

  /**
   * @throws TributaryError naming the innermost missing object: CATALOG_, SCHEMA_ or TABLE_DOES_NOT_EXIST
   */
  async getTable(name: TableName): Promise<TableInfo> {
    const normal = normalizeTableName(name);
    const info = await this.store.getTable(normal);
    if (info) return info;
    await this.getSchema(normal.catalog, normal.schema);
    throw missing.table(normal);
  }

  /** @throws TributaryError CATALOG_DOES_NOT_EXIST or SCHEMA_DOES_NOT_EXIST */
  async listTables(catalog: string, schema: string): Promise<TableInfo[]> {
    return this.store.listTables(validateIdentifier('catalog', catalog), validateIdentifier('schema', schema));
  }

  /** Drops a table and its storage; returns it, or undefined when absent and `ifExists`. */
  async deleteTable(name: TableName, opts: { ifExists?: boolean } = {}): Promise<TableInfo | undefined> {
    const dropped = await this.store.deleteTable(normalizeTableName(name), opts);
    if (dropped) await this.dropStorage([dropped]);
    return dropped;
  }

  private async tablesInCatalog(catalog: string): Promise<TableInfo[]> {
    if (!(await this.store.getCatalog(catalog))) return [];
    const schemas = await this.store.listSchemas(catalog);
    const tables = await Promise.all(schemas.map((s) => this.store.listTables(catalog, s.name)));
    return tables.flat();
  }

  private async dropStorage(tables: readonly TableInfo[]): Promise<void> {
    if (!this.storage) return;
    for (const table of tables) await this.storage.drop(table);
  }
}
