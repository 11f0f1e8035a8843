/**
 * Schema migrations of the embedded catalog database, applied in order and recorded in `schema_version`.
 * Append new migrations at the end; never edit one that has shipped.
 */
import type { Database } from 'better-sqlite3';
import { TributaryError } from '../errors.js';

interface Migration {
  readonly version: number;
  readonly statements: readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE catalogs (
        name TEXT PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        comment TEXT,
        owner TEXT NOT NULL,
        properties TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      )`,
      `CREATE TABLE schemas (
        catalog_name TEXT NOT NULL REFERENCES catalogs (name) ON DELETE CASCADE,
        name TEXT NOT NULL,
        id TEXT NOT NULL UNIQUE,
        comment TEXT,
        owner TEXT NOT NULL,
        properties TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (catalog_name, name)
      )`,
      `CREATE TABLE tables (
        catalog_name TEXT NOT NULL,
        schema_name TEXT NOT NULL,
        name TEXT NOT NULL,
        table_id TEXT NOT NULL UNIQUE,
        columns TEXT NOT NULL,
        comment TEXT,
        properties TEXT NOT NULL,
        storage_location TEXT NOT NULL,
        owner TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (catalog_name, schema_name, name),
        FOREIGN KEY (catalog_name, schema_name) REFERENCES schemas (catalog_name, name) ON DELETE CASCADE
      )`,
      `CREATE TABLE principals (
        application_id TEXT PRIMARY KEY,
        display_name TEXT NOT NULL UNIQUE,
        admin INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      )`,
      `CREATE TABLE principal_secrets (
        id TEXT PRIMARY KEY,
        application_id TEXT NOT NULL REFERENCES principals (application_id) ON DELETE CASCADE,
        hash TEXT NOT NULL,
        created_at INTEGER NOT NULL
      )`,
      'CREATE INDEX principal_secrets_by_principal ON principal_secrets (application_id)',
      `CREATE TABLE grants (
        principal TEXT NOT NULL REFERENCES principals (application_id) ON DELETE CASCADE,
        securable_type TEXT NOT NULL,
        securable_name TEXT NOT NULL,
        privilege TEXT NOT NULL,
        PRIMARY KEY (principal, securable_type, securable_name, privilege)
      )`,
      'CREATE INDEX grants_by_securable ON grants (securable_type, securable_name)',
    ],
  },
];

/** The schema version this build writes. */
export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

function currentVersion(db: Database): number {
  const row = db.prepare('SELECT max(version) AS version FROM schema_version').get() as { version: number | null };
  return row.version ?? 0;
}

/**
 * Brings the database to {@link LATEST_VERSION}. Runs in an IMMEDIATE transaction so that a CLI process and a
 * server opening the same file at once cannot both apply a migration; idempotent.
 * @throws TributaryError `failed_precondition` when the file was written by a newer Tributary.
 */
export function migrate(db: Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const apply = db.transaction(() => {
    const from = currentVersion(db);
    if (from > LATEST_VERSION) {
      throw new TributaryError(
        'failed_precondition',
        `the catalog database is at schema version ${from}, newer than this Tributary supports (${LATEST_VERSION}); ` +
          'upgrade Tributary',
      );
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= from) continue;
      for (const sql of migration.statements) db.exec(sql);
      db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(migration.version, Date.now());
    }
  });
  apply.immediate();
}
