/**
 * The operator's steps on the server child's data directory, done the way `tributary sql` and
 * `tributary principal` do them (the catalog database is shared with the running server): create the
 * bench tables and a producer principal allowed to write them.
 */
import { generateClientSecret, hashSecret } from '../../src/auth/secrets.js';
import { executeSql } from '../../src/catalog/sql/executor.js';
import { openAdminContext } from '../../src/cli/admin-context.js';
import { DeltaTableStorage } from '../../src/delta/table-storage.js';

/** OAuth client credentials of a producer. */
export interface Credentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface BenchAdmin {
  /** Runs SQL as the local admin. */
  sql(text: string): Promise<void>;
  /** Creates a principal with USE CATALOG, USE SCHEMA, SELECT and MODIFY on `table` (`catalog.schema.table`). */
  producer(name: string, table: string): Promise<Credentials>;
  /** The `file://` URL of a table's Delta log root. */
  tableLocation(table: string): Promise<string>;
  close(): Promise<void>;
}

/** Opens the catalog in `dataDir` as the local admin. */
export async function openBenchAdmin(dataDir: string): Promise<BenchAdmin> {
  const ctx = await openAdminContext(dataDir, { storage: new DeltaTableStorage() });
  const sql = async (text: string): Promise<void> => {
    await executeSql(text, { ...ctx, principal: ctx.admin });
  };
  return {
    sql,
    producer: async (name, table) => {
      const clientSecret = generateClientSecret();
      const principal = await ctx.store.createPrincipal(name, { secretHash: await hashSecret(clientSecret) });
      const [catalog, schema] = table.split('.');
      await sql(
        `GRANT USE CATALOG ON CATALOG ${catalog} TO \`${name}\`;
         GRANT USE SCHEMA ON SCHEMA ${catalog}.${schema} TO \`${name}\`;
         GRANT SELECT, MODIFY ON TABLE ${table} TO \`${name}\`;`,
      );
      return { clientId: principal.applicationId, clientSecret };
    },
    tableLocation: async (table) => {
      const [catalog, schema, name] = table.split('.');
      return (await ctx.catalog.getTable({ catalog: catalog!, schema: schema!, table: name! })).storageLocation;
    },
    close: () => ctx.close(),
  };
}
