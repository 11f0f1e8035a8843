/**
 * The embedded catalog store on SQLite (better-sqlite3).
 *
 * WAL journal mode and a busy timeout let a `tributary` CLI process and a running server share one file:
 * readers never block the writer, and a write made by one process is visible to the other's next query.
 * Every statement is parameterised; names reaching this module have been validated by `Catalog`.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { TributaryError } from '../errors.js';
import type {
  CatalogInfo,
  CatalogStore,
  Grant,
  NewTable,
  Principal,
  PrincipalSecret,
  Privilege,
  SchemaInfo,
  SecurableType,
  TableInfo,
  TableName,
} from './model.js';
import { duplicate, missing, notEmpty } from './catalog-errors.js';
import { formatTableName } from './names.js';
import { assertPrivilegeApplies, withAncestors } from './privileges.js';
import { migrate } from './sqlite-migrations.js';
import { fromSparkField, toSparkField, type Column } from './types.js';

/** How long a statement waits for another process's write lock before failing. */
const BUSY_TIMEOUT_MS = 5000;

interface CatalogRow {
  name: string;
  id: string;
  comment: string | null;
  owner: string;
  properties: string;
  created_at: number;
  updated_at: number;
}

interface SchemaRow extends CatalogRow {
  catalog_name: string;
}

interface TableRow {
  catalog_name: string;
  schema_name: string;
  name: string;
  table_id: string;
  columns: string;
  comment: string | null;
  properties: string;
  storage_location: string;
  owner: string;
  created_by: string;
  created_at: number;
  updated_at: number;
}

interface PrincipalRow {
  application_id: string;
  display_name: string;
  admin: number;
  created_at: number;
}

interface SecretRow {
  id: string;
  application_id: string;
  hash: string;
  created_at: number;
}

interface GrantRow {
  principal: string;
  securable_type: SecurableType;
  securable_name: string;
  privilege: Privilege;
}

function withComment<T extends object>(info: T, comment: string | null): T & { comment?: string } {
  return comment === null ? info : { ...info, comment };
}

function toCatalogInfo(row: CatalogRow): CatalogInfo {
  return withComment(
    {
      name: row.name,
      id: row.id,
      owner: row.owner,
      properties: JSON.parse(row.properties) as Record<string, string>,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    },
    row.comment,
  );
}

function toSchemaInfo(row: SchemaRow): SchemaInfo {
  return withComment(
    {
      catalogName: row.catalog_name,
      name: row.name,
      id: row.id,
      owner: row.owner,
      properties: JSON.parse(row.properties) as Record<string, string>,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    },
    row.comment,
  );
}

/** Columns are stored as the Spark StructField JSON array that Delta's schemaString also uses. */
function encodeColumns(columns: readonly Column[]): string {
  return JSON.stringify(columns.map(toSparkField));
}

function decodeColumns(json: string): Column[] {
  return (JSON.parse(json) as unknown[]).map((field, position) => ({ ...fromSparkField(field), position }));
}

function toTableInfo(row: TableRow): TableInfo {
  return withComment(
    {
      catalogName: row.catalog_name,
      schemaName: row.schema_name,
      name: row.name,
      fullName: `${row.catalog_name}.${row.schema_name}.${row.name}`,
      tableId: row.table_id,
      columns: decodeColumns(row.columns),
      properties: JSON.parse(row.properties) as Record<string, string>,
      storageLocation: row.storage_location,
      owner: row.owner,
      createdBy: row.created_by,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    },
    row.comment,
  );
}

function toPrincipal(row: PrincipalRow, secrets: readonly SecretRow[]): Principal {
  return {
    applicationId: row.application_id,
    displayName: row.display_name,
    admin: row.admin === 1,
    createdAt: row.created_at,
    secrets: secrets.map((s) => ({ id: s.id, hash: s.hash, createdAt: s.created_at })),
  };
}

function toGrant(row: GrantRow): Grant {
  return {
    principal: row.principal,
    securableType: row.securable_type,
    securableName: row.securable_name,
    privilege: row.privilege,
  };
}

/** Driver errors never leave the store: they become TributaryErrors without SQL detail. */
function translateDriverError(error: unknown): never {
  if (error instanceof TributaryError) throw error;
  if (error instanceof Database.SqliteError) {
    if (error.code.startsWith('SQLITE_BUSY') || error.code.startsWith('SQLITE_LOCKED')) {
      throw new TributaryError('unavailable', 'the catalog database is busy (another process holds a write lock)');
    }
    throw new TributaryError('internal', `catalog database error (${error.code})`);
  }
  throw error;
}

class SqliteCatalogStore implements CatalogStore {
  private readonly q;

  constructor(private readonly db: Database.Database) {
    const p = (sql: string) => db.prepare(sql);
    this.q = {
      catalog: p('SELECT * FROM catalogs WHERE name = ?'),
      catalogs: p('SELECT * FROM catalogs ORDER BY name'),
      insertCatalog: p(`INSERT INTO catalogs (name, id, comment, owner, properties, created_at, updated_at)
        VALUES (@name, @id, @comment, @owner, '{}', @now, @now)`),
      deleteCatalog: p('DELETE FROM catalogs WHERE name = ?'),
      nonDefaultSchemaCount: p("SELECT count(*) AS n FROM schemas WHERE catalog_name = ? AND name <> 'default'"),
      tableCountInCatalog: p('SELECT count(*) AS n FROM tables WHERE catalog_name = ?'),

      schema: p('SELECT * FROM schemas WHERE catalog_name = ? AND name = ?'),
      schemas: p('SELECT * FROM schemas WHERE catalog_name = ? ORDER BY name'),
      insertSchema: p(`INSERT INTO schemas (catalog_name, name, id, comment, owner, properties, created_at, updated_at)
        VALUES (@catalog, @name, @id, @comment, @owner, '{}', @now, @now)`),
      deleteSchema: p('DELETE FROM schemas WHERE catalog_name = ? AND name = ?'),
      tableCountInSchema: p('SELECT count(*) AS n FROM tables WHERE catalog_name = ? AND schema_name = ?'),

      table: p('SELECT * FROM tables WHERE catalog_name = ? AND schema_name = ? AND name = ?'),
      tables: p('SELECT * FROM tables WHERE catalog_name = ? AND schema_name = ? ORDER BY name'),
      insertTable: p(`INSERT INTO tables (catalog_name, schema_name, name, table_id, columns, comment, properties,
          storage_location, owner, created_by, created_at, updated_at)
        VALUES (@catalog, @schema, @name, @id, @columns, @comment, @properties, @location, @owner, @owner,
          @now, @now)`),
      deleteTable: p('DELETE FROM tables WHERE catalog_name = ? AND schema_name = ? AND name = ?'),

      principalById: p('SELECT * FROM principals WHERE application_id = ?'),
      principalByName: p('SELECT * FROM principals WHERE display_name = ?'),
      principals: p('SELECT * FROM principals ORDER BY display_name'),
      insertPrincipal: p(`INSERT INTO principals (application_id, display_name, admin, created_at)
        VALUES (?, ?, ?, ?)`),
      deletePrincipal: p('DELETE FROM principals WHERE application_id = ?'),
      secretsOf: p('SELECT * FROM principal_secrets WHERE application_id = ? ORDER BY created_at, rowid'),
      allSecrets: p('SELECT * FROM principal_secrets ORDER BY created_at, rowid'),
      insertSecret: p('INSERT INTO principal_secrets (id, application_id, hash, created_at) VALUES (?, ?, ?, ?)'),
      deleteSecretsExcept: p('DELETE FROM principal_secrets WHERE application_id = ? AND id <> ?'),

      insertGrant: p(`INSERT OR IGNORE INTO grants (principal, securable_type, securable_name, privilege)
        VALUES (@principal, @securableType, @securableName, @privilege)`),
      deleteGrant: p(`DELETE FROM grants WHERE principal = @principal AND securable_type = @securableType
        AND securable_name = @securableName AND privilege = @privilege`),
      grantsOn: p(`SELECT * FROM grants WHERE securable_type = ? AND securable_name = ?
        ORDER BY principal, privilege`),
      grantsOf: p('SELECT * FROM grants WHERE principal = ? ORDER BY securable_type, securable_name, privilege'),
      // Three primary-key prefix look-ups (an OR would scan all of the principal's grants); an absent level
      // is passed as NULL, which equals nothing.
      grantsCovering: p(`
        SELECT * FROM grants WHERE principal = @principal AND securable_type = 'CATALOG' AND securable_name = @catalog
        UNION ALL
        SELECT * FROM grants WHERE principal = @principal AND securable_type = 'SCHEMA' AND securable_name = @schema
        UNION ALL
        SELECT * FROM grants WHERE principal = @principal AND securable_type = 'TABLE' AND securable_name = @table`),
      // Names are [a-z0-9_] only, so `name || '.'` is an exact prefix; substr avoids LIKE's `_` wildcard.
      deleteGrantsWithin: p(`DELETE FROM grants WHERE securable_name = @name
        OR substr(securable_name, 1, length(@name) + 1) = @name || '.'`),
      deleteGrantsOn: p('DELETE FROM grants WHERE securable_type = ? AND securable_name = ?'),
    };
  }

  /** Runs `fn` in a transaction that takes the write lock up front, so check-then-write cannot race. */
  private write<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (error) {
      translateDriverError(error);
    }
  }

  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      translateDriverError(error);
    }
  }

  private catalogRow(name: string): CatalogRow | undefined {
    return this.q.catalog.get(name) as CatalogRow | undefined;
  }

  private schemaRow(catalog: string, name: string): SchemaRow | undefined {
    return this.q.schema.get(catalog, name) as SchemaRow | undefined;
  }

  private tableRow(name: TableName): TableRow | undefined {
    return this.q.table.get(name.catalog, name.schema, name.table) as TableRow | undefined;
  }

  private principalRow(idOrName: string): PrincipalRow | undefined {
    return (this.q.principalById.get(idOrName) ?? this.q.principalByName.get(idOrName)) as PrincipalRow | undefined;
  }

  private requireSchema(catalog: string, schema: string): void {
    if (!this.catalogRow(catalog)) throw missing.catalog(catalog);
    if (!this.schemaRow(catalog, schema)) throw missing.schema(catalog, schema);
  }

  private count(statement: Database.Statement, ...params: unknown[]): number {
    return (statement.get(...params) as { n: number }).n;
  }

  async createCatalog(
    name: string,
    opts: { comment?: string; owner: string; ifNotExists?: boolean },
  ): Promise<CatalogInfo> {
    return this.write(() => {
      const existing = this.catalogRow(name);
      if (existing) {
        if (opts.ifNotExists) return toCatalogInfo(existing);
        throw duplicate.catalog(name);
      }
      const now = Date.now();
      const row = { name, id: randomUUID(), comment: opts.comment ?? null, owner: opts.owner, now };
      this.q.insertCatalog.run(row);
      // Databricks gives every new catalog a `default` schema; producers expect `<catalog>.default`.
      const defaultSchema = { catalog: name, name: 'default', id: randomUUID(), comment: null, owner: opts.owner };
      this.q.insertSchema.run({ ...defaultSchema, now });
      return toCatalogInfo(this.catalogRow(name)!);
    });
  }

  async getCatalog(name: string): Promise<CatalogInfo | undefined> {
    return this.read(() => {
      const row = this.catalogRow(name);
      return row && toCatalogInfo(row);
    });
  }

  async listCatalogs(): Promise<CatalogInfo[]> {
    return this.read(() => (this.q.catalogs.all() as CatalogRow[]).map(toCatalogInfo));
  }

  async deleteCatalog(name: string, opts: { force?: boolean; ifExists?: boolean } = {}): Promise<void> {
    this.write(() => {
      if (!this.catalogRow(name)) {
        if (opts.ifExists) return;
        throw missing.catalog(name);
      }
      const holdsObjects =
        this.count(this.q.nonDefaultSchemaCount, name) > 0 || this.count(this.q.tableCountInCatalog, name) > 0;
      if (!opts.force && holdsObjects) throw notEmpty.catalog(name);
      this.q.deleteGrantsWithin.run({ name });
      this.q.deleteCatalog.run(name);
    });
  }

  async createSchema(
    catalog: string,
    name: string,
    opts: { comment?: string; owner: string; ifNotExists?: boolean },
  ): Promise<SchemaInfo> {
    return this.write(() => {
      if (!this.catalogRow(catalog)) throw missing.catalog(catalog);
      const existing = this.schemaRow(catalog, name);
      if (existing) {
        if (opts.ifNotExists) return toSchemaInfo(existing);
        throw duplicate.schema(catalog, name);
      }
      const comment = opts.comment ?? null;
      this.q.insertSchema.run({ catalog, name, id: randomUUID(), comment, owner: opts.owner, now: Date.now() });
      return toSchemaInfo(this.schemaRow(catalog, name)!);
    });
  }

  async getSchema(catalog: string, name: string): Promise<SchemaInfo | undefined> {
    return this.read(() => {
      const row = this.schemaRow(catalog, name);
      return row && toSchemaInfo(row);
    });
  }

  async listSchemas(catalog: string): Promise<SchemaInfo[]> {
    return this.read(() => {
      if (!this.catalogRow(catalog)) throw missing.catalog(catalog);
      return (this.q.schemas.all(catalog) as SchemaRow[]).map(toSchemaInfo);
    });
  }

  async deleteSchema(catalog: string, name: string, opts: { force?: boolean; ifExists?: boolean } = {}): Promise<void> {
    this.write(() => {
      if (!this.catalogRow(catalog) || !this.schemaRow(catalog, name)) {
        if (opts.ifExists) return;
        this.requireSchema(catalog, name);
      }
      if (!opts.force && this.count(this.q.tableCountInSchema, catalog, name) > 0) throw notEmpty.schema(catalog, name);
      this.q.deleteGrantsWithin.run({ name: `${catalog}.${name}` });
      this.q.deleteSchema.run(catalog, name);
    });
  }

  async createTable(
    table: NewTable,
    opts: { ifNotExists?: boolean } = {},
  ): Promise<{ table: TableInfo; created: boolean }> {
    return this.write(() => {
      const { catalog, schema, table: name } = table.name;
      this.requireSchema(catalog, schema);
      const existing = this.tableRow(table.name);
      if (existing) {
        if (opts.ifNotExists) return { table: toTableInfo(existing), created: false };
        throw duplicate.table(table.name);
      }
      this.q.insertTable.run({
        catalog,
        schema,
        name,
        id: randomUUID(),
        columns: encodeColumns(table.columns),
        comment: table.comment ?? null,
        properties: JSON.stringify(table.properties ?? {}),
        location: table.storageLocation,
        owner: table.owner,
        now: Date.now(),
      });
      return { table: toTableInfo(this.tableRow(table.name)!), created: true };
    });
  }

  async getTable(name: TableName): Promise<TableInfo | undefined> {
    return this.read(() => {
      const row = this.tableRow(name);
      return row && toTableInfo(row);
    });
  }

  async listTables(catalog: string, schema: string): Promise<TableInfo[]> {
    return this.read(() => {
      this.requireSchema(catalog, schema);
      return (this.q.tables.all(catalog, schema) as TableRow[]).map(toTableInfo);
    });
  }

  async deleteTable(name: TableName, opts: { ifExists?: boolean } = {}): Promise<TableInfo | undefined> {
    return this.write(() => {
      const row = this.tableRow(name);
      if (!row) {
        if (opts.ifExists) return undefined;
        throw missing.table(name);
      }
      this.q.deleteGrantsOn.run('TABLE', formatTableName(name));
      this.q.deleteTable.run(name.catalog, name.schema, name.table);
      return toTableInfo(row);
    });
  }

  async createPrincipal(displayName: string, opts: { admin?: boolean; secretHash: string }): Promise<Principal> {
    return this.write(() => {
      if (this.q.principalByName.get(displayName)) {
        throw duplicate.principal(displayName);
      }
      const id = randomUUID();
      const now = Date.now();
      this.q.insertPrincipal.run(id, displayName, opts.admin ? 1 : 0, now);
      this.q.insertSecret.run(randomUUID(), id, opts.secretHash, now);
      return this.loadPrincipal(this.q.principalById.get(id) as PrincipalRow);
    });
  }

  private loadPrincipal(row: PrincipalRow): Principal {
    return toPrincipal(row, this.q.secretsOf.all(row.application_id) as SecretRow[]);
  }

  async getPrincipal(idOrName: string): Promise<Principal | undefined> {
    return this.read(() => {
      const row = this.principalRow(idOrName);
      return row && this.loadPrincipal(row);
    });
  }

  async listPrincipals(): Promise<Principal[]> {
    return this.read(() => {
      const secrets = new Map<string, SecretRow[]>();
      for (const s of this.q.allSecrets.all() as SecretRow[]) {
        secrets.set(s.application_id, [...(secrets.get(s.application_id) ?? []), s]);
      }
      return (this.q.principals.all() as PrincipalRow[]).map((row) =>
        toPrincipal(row, secrets.get(row.application_id) ?? []),
      );
    });
  }

  async addSecret(applicationId: string, secretHash: string): Promise<PrincipalSecret> {
    return this.write(() => {
      if (!this.q.principalById.get(applicationId)) throw missing.principal(applicationId);
      const secret = { id: randomUUID(), hash: secretHash, createdAt: Date.now() };
      this.q.insertSecret.run(secret.id, applicationId, secret.hash, secret.createdAt);
      return secret;
    });
  }

  async removeSecretsExcept(applicationId: string, keep: string): Promise<void> {
    this.write(() => {
      if (!this.q.principalById.get(applicationId)) throw missing.principal(applicationId);
      this.q.deleteSecretsExcept.run(applicationId, keep);
    });
  }

  async deletePrincipal(applicationId: string): Promise<void> {
    this.write(() => {
      // Secrets and grants go with it (ON DELETE CASCADE).
      if (this.q.deletePrincipal.run(applicationId).changes === 0) throw missing.principal(applicationId);
    });
  }

  private requireSecurable(type: SecurableType, name: string): void {
    const [catalog = '', schema = '', table = ''] = name.split('.');
    if (!this.catalogRow(catalog)) throw missing.catalog(catalog);
    if (type === 'CATALOG') return;
    if (!this.schemaRow(catalog, schema)) throw missing.schema(catalog, schema);
    if (type === 'SCHEMA') return;
    if (!this.tableRow({ catalog, schema, table })) throw missing.table({ catalog, schema, table });
  }

  async grant(grant: Grant): Promise<void> {
    this.write(() => {
      if (!this.q.principalById.get(grant.principal)) throw missing.principal(grant.principal);
      this.requireSecurable(grant.securableType, grant.securableName);
      assertPrivilegeApplies(grant.privilege, grant.securableType);
      this.q.insertGrant.run({ ...grant });
    });
  }

  async revoke(grant: Grant): Promise<void> {
    // Revoking what was never granted succeeds, as in Databricks.
    this.write(() => this.q.deleteGrant.run({ ...grant }));
  }

  async grantsOn(securableType: SecurableType, securableName: string): Promise<Grant[]> {
    return this.read(() => (this.q.grantsOn.all(securableType, securableName) as GrantRow[]).map(toGrant));
  }

  async grantsOf(principal: string): Promise<Grant[]> {
    return this.read(() => (this.q.grantsOf.all(principal) as GrantRow[]).map(toGrant));
  }

  async grantsCovering(principal: string, securableType: SecurableType, securableName: string): Promise<Grant[]> {
    const chain = withAncestors({ type: securableType, name: securableName });
    const nameAt = (type: SecurableType) => chain.find((s) => s.type === type)?.name ?? null;
    return this.read(() =>
      (
        this.q.grantsCovering.all({
          principal,
          catalog: nameAt('CATALOG'),
          schema: nameAt('SCHEMA'),
          table: nameAt('TABLE'),
        }) as GrantRow[]
      ).map(toGrant),
    );
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/**
 * Opens (creating if needed) the catalog database at `file` and migrates it to the current schema.
 * @throws TributaryError `failed_precondition` for a database written by a newer Tributary.
 */
export function openSqliteStore(file: string): CatalogStore {
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    // Catalog changes are rare and must survive a power cut once acknowledged.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return new SqliteCatalogStore(db);
  } catch (error) {
    db.close();
    translateDriverError(error);
  }
}
