/**
 * A real Tributary server in the test process, on ephemeral ports with a temporary data directory, plus
 * the admin steps a producer's operator would do (DDL, principals, grants).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { generateClientSecret, hashSecret } from '../../src/auth/secrets.js';
import { executeSql } from '../../src/catalog/sql/executor.js';
import { AccessControl } from '../../src/catalog/access.js';
import { resolveConfig, type ConfigInput, type ServerConfig } from '../../src/server/config.js';
import { startServer, type RunningServer } from '../../src/server/server.js';

export interface TestServer {
  readonly server: RunningServer;
  readonly config: ServerConfig;
  readonly dataDir: string;
  /** Runs SQL as the local admin (as `tributary sql` does). */
  sql(text: string): Promise<string[][]>;
  /** Creates a principal and returns its credentials. */
  principal(name: string): Promise<{ clientId: string; clientSecret: string }>;
  /** Creates a principal with USE CATALOG, USE SCHEMA, SELECT and MODIFY on `table`. */
  producer(name: string, table: string): Promise<{ clientId: string; clientSecret: string }>;
  close(): Promise<void>;
}

/** Starts a server; `options` are the same settings `tributary serve` takes. */
export async function startTestServer(options: ConfigInput = {}, dataDir?: string): Promise<TestServer> {
  const dir = dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'tributary-test-')));
  const config = resolveConfig({ grpcPort: 0, httpPort: 0, dataDir: dir, ...options }, {});
  const server = await startServer(config, pino({ level: 'silent' }));
  const sql = async (text: string): Promise<string[][]> => {
    const admin = (await server.store.listPrincipals()).find((p) => p.admin);
    if (!admin) throw new Error('no admin principal');
    const results = await executeSql(text, {
      catalog: server.catalog,
      store: server.store,
      access: new AccessControl(server.store),
      principal: admin,
    });
    return results.flatMap((r) => r.rows);
  };
  const principal = async (name: string) => {
    const clientSecret = generateClientSecret();
    const p = await server.store.createPrincipal(name, { secretHash: await hashSecret(clientSecret) });
    return { clientId: p.applicationId, clientSecret };
  };
  return {
    server,
    config,
    dataDir: dir,
    sql,
    principal,
    producer: async (name, table) => {
      const creds = await principal(name);
      const [catalog, schema] = table.split('.');
      await sql(
        `GRANT USE CATALOG ON CATALOG ${catalog} TO \`${name}\`;
         GRANT USE SCHEMA ON SCHEMA ${catalog}.${schema} TO \`${name}\`;
         GRANT SELECT, MODIFY ON TABLE ${table} TO \`${name}\`;`,
      );
      return creds;
    },
    close: async () => {
      await server.close();
      if (!dataDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
