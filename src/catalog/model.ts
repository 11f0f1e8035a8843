/**
 * Catalog entities and the store interface. The embedded store is SQLite (`sqlite-store.ts`); a PostgreSQL
 * store implements the same interface for scale-out. Methods are async so that both fit.
 */
import type { Column } from './types.js';

/** A three-part table name, already validated. */
export interface TableName {
  readonly catalog: string;
  readonly schema: string;
  readonly table: string;
}

export interface CatalogInfo {
  readonly name: string;
  readonly id: string;
  readonly comment?: string;
  readonly owner: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface SchemaInfo {
  readonly catalogName: string;
  readonly name: string;
  readonly id: string;
  readonly comment?: string;
  readonly owner: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface TableInfo {
  readonly catalogName: string;
  readonly schemaName: string;
  readonly name: string;
  /** `catalog.schema.table` */
  readonly fullName: string;
  readonly tableId: string;
  readonly columns: readonly Column[];
  readonly comment?: string;
  readonly properties: Readonly<Record<string, string>>;
  /** Absolute `file://` URL (or `s3://` later) of the Delta table; set by the catalog, never by users. */
  readonly storageLocation: string;
  readonly owner: string;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type SecurableType = 'CATALOG' | 'SCHEMA' | 'TABLE';

export const PRIVILEGES = [
  'USE CATALOG',
  'USE SCHEMA',
  'SELECT',
  'MODIFY',
  'CREATE TABLE',
  'CREATE SCHEMA',
  'ALL PRIVILEGES',
] as const;
export type Privilege = (typeof PRIVILEGES)[number];

export interface Grant {
  /** The principal's application id (client id). */
  readonly principal: string;
  readonly securableType: SecurableType;
  /** `catalog`, `catalog.schema` or `catalog.schema.table`. */
  readonly securableName: string;
  readonly privilege: Privilege;
}

export interface PrincipalSecret {
  readonly id: string;
  /** scrypt hash in the form produced by `auth/secrets.ts`; the clear secret is never stored. */
  readonly hash: string;
  readonly createdAt: number;
}

export interface Principal {
  /** The OAuth client id: a UUID, as Databricks service principals have. */
  readonly applicationId: string;
  readonly displayName: string;
  /** Admins may do anything and bypass grants. */
  readonly admin: boolean;
  readonly createdAt: number;
  readonly secrets: readonly PrincipalSecret[];
}

/** Fields a caller provides to create a table; ids and timestamps come from the store. */
export interface NewTable {
  readonly name: TableName;
  readonly columns: readonly Column[];
  readonly comment?: string;
  readonly properties?: Readonly<Record<string, string>>;
  readonly owner: string;
  /** Computed by `Catalog` from validated names only; never taken from a request. */
  readonly storageLocation: string;
}

/**
 * Persistent catalog state. Implementations throw `TributaryError` with UC error codes
 * (`CATALOG_DOES_NOT_EXIST`, `TABLE_ALREADY_EXISTS`, ...), never driver errors.
 */
export interface CatalogStore {
  createCatalog(name: string, opts: { comment?: string; owner: string; ifNotExists?: boolean }): Promise<CatalogInfo>;
  getCatalog(name: string): Promise<CatalogInfo | undefined>;
  listCatalogs(): Promise<CatalogInfo[]>;
  /** Without `force`, refuses a catalog that still holds schemas other than `default` or any table. */
  deleteCatalog(name: string, opts?: { force?: boolean; ifExists?: boolean }): Promise<void>;

  createSchema(
    catalog: string,
    name: string,
    opts: { comment?: string; owner: string; ifNotExists?: boolean },
  ): Promise<SchemaInfo>;
  getSchema(catalog: string, name: string): Promise<SchemaInfo | undefined>;
  listSchemas(catalog: string): Promise<SchemaInfo[]>;
  deleteSchema(catalog: string, name: string, opts?: { force?: boolean; ifExists?: boolean }): Promise<void>;

  createTable(table: NewTable, opts?: { ifNotExists?: boolean }): Promise<{ table: TableInfo; created: boolean }>;
  getTable(name: TableName): Promise<TableInfo | undefined>;
  listTables(catalog: string, schema: string): Promise<TableInfo[]>;
  /** Returns the dropped table (so its storage can be cleaned up), or undefined with `ifExists`. */
  deleteTable(name: TableName, opts?: { ifExists?: boolean }): Promise<TableInfo | undefined>;

  createPrincipal(displayName: string, opts: { admin?: boolean; secretHash: string }): Promise<Principal>;
  /** Finds a principal by application id or, failing that, by display name. */
  getPrincipal(idOrName: string): Promise<Principal | undefined>;
  listPrincipals(): Promise<Principal[]>;
  addSecret(applicationId: string, secretHash: string): Promise<PrincipalSecret>;
  /** Removes every secret but `keep`. */
  removeSecretsExcept(applicationId: string, keep: string): Promise<void>;
  deletePrincipal(applicationId: string): Promise<void>;

  grant(grant: Grant): Promise<void>;
  revoke(grant: Grant): Promise<void>;
  /** Grants on exactly this securable (no inheritance). */
  grantsOn(securableType: SecurableType, securableName: string): Promise<Grant[]>;
  /** Every grant held by a principal. */
  grantsOf(principal: string): Promise<Grant[]>;
  /**
   * The grants a principal holds on a securable and on the containers it inherits from (its schema and
   * catalog): everything an access check on that securable needs, in one indexed read.
   */
  grantsCovering(principal: string, securableType: SecurableType, securableName: string): Promise<Grant[]>;

  close(): Promise<void>;
}
