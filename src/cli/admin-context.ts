/**
 * What the admin CLI commands (`sql`, `principal`) share: opening the data directory's catalog as the local
 * admin. Having the data directory is the credential; the commands work while a server runs on the same
 * directory (SQLite WAL mode) and the server sees their changes on its next request.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { generateClientSecret, hashSecret } from '../auth/secrets.js';
import { AccessControl } from '../catalog/access.js';
import { Catalog, type TableStorage } from '../catalog/catalog.js';
import type { CatalogStore, Principal } from '../catalog/model.js';
import { openSqliteStore } from '../catalog/sqlite-store.js';
import { TributaryError } from '../errors.js';
import { dataPaths, DEFAULTS } from '../server/config.js';

/** Display name of the admin principal created on first start. */
export const ADMIN_PRINCIPAL_NAME = 'admin';

export interface AdminContext {
  readonly store: CatalogStore;
  readonly catalog: Catalog;
  readonly access: AccessControl;
  /** The principal the CLI acts as. */
  readonly admin: Principal;
  /** Set only when this call created the admin principal: its secret, to be shown once. */
  readonly createdAdminSecret?: string;
  close(): Promise<void>;
}

/**
 * Returns the admin principal, creating it (named {@link ADMIN_PRINCIPAL_NAME}) when no admin exists yet.
 * `secret` is present only when it was just created: the caller shows it once; only its hash is stored.
 * Safe when a CLI process and a server start at the same moment: the loser of the race reads the winner's.
 */
export async function ensureAdminPrincipal(store: CatalogStore): Promise<{ principal: Principal; secret?: string }> {
  const found = await findAdmin(store);
  if (found) return { principal: found };
  const secret = generateClientSecret();
  try {
    const principal = await store.createPrincipal(ADMIN_PRINCIPAL_NAME, {
      admin: true,
      secretHash: await hashSecret(secret),
    });
    return { principal, secret };
  } catch (error) {
    const winner = error instanceof TributaryError && error.kind === 'already_exists' && (await findAdmin(store));
    if (winner) return { principal: winner };
    if (error instanceof TributaryError && error.kind === 'already_exists') {
      throw new TributaryError(
        'failed_precondition',
        `no admin principal exists and the name '${ADMIN_PRINCIPAL_NAME}' is taken by a non-admin principal`,
      );
    }
    throw error;
  }
}

async function findAdmin(store: CatalogStore): Promise<Principal | undefined> {
  const named = await store.getPrincipal(ADMIN_PRINCIPAL_NAME);
  if (named?.admin) return named;
  return (await store.listPrincipals()).find((p) => p.admin);
}

/**
 * Opens the catalog in `dataDir` (creating the directory and database if needed), migrates it, ensures the
 * admin principal and the default catalog `main` with schema `default`.
 */
export async function openAdminContext(dataDir: string, opts: { storage?: TableStorage } = {}): Promise<AdminContext> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const paths = dataPaths(dataDir);
  const store = openSqliteStore(paths.catalogDb);
  try {
    const { principal: admin, secret } = await ensureAdminPrincipal(store);
    const catalog = new Catalog(store, { tablesDir: paths.tables, ...(opts.storage ? { storage: opts.storage } : {}) });
    await catalog.ensureDefaults(admin.applicationId);
    return {
      store,
      catalog,
      access: new AccessControl(store),
      admin,
      ...(secret === undefined ? {} : { createdAdminSecret: secret }),
      close: () => store.close(),
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** The data directory: the `--data-dir` flag, else `TRIBUTARY_DATA_DIR`, else `./tributary-data`. */
export function resolveDataDir(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  return path.resolve(flag || env.TRIBUTARY_DATA_DIR || DEFAULTS.dataDir);
}

/**
 * Runs an admin command against the data directory: opens the context, tells the user (on stderr) about an
 * admin principal created just now, runs `fn`, and closes. Errors go to stderr with exit code 1.
 */
export async function runAdminCommand(
  dataDirFlag: string | undefined,
  fn: (ctx: AdminContext) => Promise<void>,
  opts: { storage?: TableStorage } = {},
): Promise<void> {
  let ctx: AdminContext | undefined;
  try {
    ctx = await openAdminContext(resolveDataDir(dataDirFlag, process.env), opts);
    if (ctx.createdAdminSecret !== undefined) {
      process.stderr.write(
        `created the admin principal (shown once; store it safely):\n` +
          `client_id: ${ctx.admin.applicationId}\nclient_secret: ${ctx.createdAdminSecret}\n`,
      );
    }
    await fn(ctx);
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    await ctx?.close();
  }
}
