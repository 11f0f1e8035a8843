/**
 * Assembly of a running Tributary node: catalog, auth, WAL, materializers, the gRPC ingest listener and the
 * HTTP listener, with graceful shutdown (close signals to producers, drain, final flush).
 */
import { mkdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { AccessControl } from '../catalog/access.js';
import { Catalog } from '../catalog/catalog.js';
import type { CatalogStore, Principal, TableInfo } from '../catalog/model.js';
import { openSqliteStore } from '../catalog/sqlite-store.js';
import { ensureAdminPrincipal } from '../cli/admin-context.js';
import { loadOrCreateSigningKey } from '../auth/keys.js';
import { Tokens } from '../auth/tokens.js';
import { DeltaTableStorage } from '../delta/table-storage.js';
import { ParquetWorkerPool } from '../delta/parquet-pool.js';
import { addZerobusService, type SessionSet } from '../ingest/grpc-service.js';
import { sessionObserver } from '../ingest/session-observer.js';
import { streamOpener } from '../ingest/stream-opener.js';
import { TableRegistry } from '../ingest/table-registry.js';
import { WalManager } from '../wal/wal-manager.js';
import { dataPaths, type ServerConfig } from './config.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { createDemo, type DemoCredentials } from './demo.js';
import { createHttpServer } from './http.js';
import { Metrics } from './metrics.js';
import { widenReceiveWindows } from './receive-windows.js';

/** A started server. */
export interface RunningServer {
  readonly zerobusEndpoint: string;
  readonly unityCatalogUrl: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** The admin's credentials, present only on the start that created the admin. */
  readonly adminCredentials?: { readonly clientId: string; readonly clientSecret: string };
  readonly demo?: DemoCredentials;
  readonly store: CatalogStore;
  readonly catalog: Catalog;
  /** Graceful shutdown: ask producers to move on, ack what was taken, final flush, close files. */
  close(): Promise<void>;
}

/** Starts every listener and component described by `config`. */
export async function startServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const lock = await lockDataDir(config.dataDir);
  try {
    return await startLocked(config, logger, lock);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function startLocked(config: ServerConfig, logger: Logger, lock: DataDirLock): Promise<RunningServer> {
  const paths = dataPaths(config.dataDir);
  await mkdir(paths.tables, { recursive: true });
  const store = openSqliteStore(paths.catalogDb);
  const catalog = new Catalog(store, { tablesDir: paths.tables, storage: new DeltaTableStorage() });
  await catalog.ensureDefaults();
  const access = new AccessControl(store);
  const tokens = new Tokens(await loadOrCreateSigningKey(paths.signingKey), { ttlSeconds: config.tokenTtlSeconds });
  const metrics = new Metrics();
  const pool = new ParquetWorkerPool();
  const registry = new TableRegistry({
    store,
    wals: new WalManager(paths.wal, config.wal),
    pool,
    settings: config.materializer,
    logger,
  });
  await registry.recover(await allTables(store));

  const grpcServer = new grpc.Server({
    'grpc.max_receive_message_length': config.ingest.maxMessageBytes * 2,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
    // Older Zerobus clients ping every 30 s without calls; grpc-js would otherwise answer with GOAWAY.
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  });
  const sessions = addZerobusService(grpcServer, {
    limits: config.ingest,
    drainSeconds: config.drainSeconds,
    openerFor: (credentials) =>
      streamOpener({ tokens, store, catalog, access, writerFor: (t) => registry.writerFor(t) }, credentials),
    observer: sessionObserver(metrics, logger),
  });
  const grpcPort = await bindGrpc(grpcServer, config);
  if (!widenReceiveWindows(grpcServer)) {
    logger.warn('could not widen the gRPC server\'s HTTP/2 receive windows (grpc-js internals changed): ingestion will be slower');
  }

  const http = createHttpServer({ catalog, store, access, tokens, metrics, logger });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.httpPort, config.host, () => resolve());
  });
  const httpPort = (http.address() as AddressInfo).port;

  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const zerobusEndpoint = `${config.tls ? 'https' : 'http'}://${host}:${grpcPort}`;
  const unityCatalogUrl = `http://${host}:${httpPort}`;
  // Credentials are created only once both listeners are up: a start that fails on a busy port must not
  // create an admin whose secret nobody ever sees.
  const admin = await ensureAdminPrincipal(store);
  const demo = config.demo ? await createDemo(catalog, store) : undefined;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= shutdown({ grpcServer, sessions, registry, pool, store, http, lock, drainSeconds: config.drainSeconds, logger }));
  return {
    zerobusEndpoint,
    unityCatalogUrl,
    grpcPort,
    httpPort,
    ...(admin.secret ? { adminCredentials: credentialsOf(admin.principal, admin.secret) } : {}),
    ...(demo ? { demo } : {}),
    store,
    catalog,
    close,
  };
}

/** Every table in the catalog, for startup recovery. */
async function allTables(store: CatalogStore): Promise<TableInfo[]> {
  const tables: TableInfo[] = [];
  for (const c of await store.listCatalogs()) {
    for (const s of await store.listSchemas(c.name)) tables.push(...(await store.listTables(c.name, s.name)));
  }
  return tables;
}

function credentialsOf(principal: Principal, secret: string) {
  return { clientId: principal.applicationId, clientSecret: secret };
}

async function bindGrpc(server: grpc.Server, config: ServerConfig): Promise<number> {
  const credentials = config.tls
    ? grpc.ServerCredentials.createSsl(null, [
        { cert_chain: await readFile(config.tls.certFile), private_key: await readFile(config.tls.keyFile) },
      ])
    : grpc.ServerCredentials.createInsecure();
  return new Promise((resolve, reject) =>
    server.bindAsync(`${config.host}:${config.grpcPort}`, credentials, (error, port) =>
      error ? reject(error) : resolve(port),
    ),
  );
}

async function shutdown(parts: {
  grpcServer: grpc.Server;
  sessions: SessionSet;
  registry: TableRegistry;
  pool: ParquetWorkerPool;
  store: CatalogStore;
  http: import('node:http').Server;
  lock: DataDirLock;
  drainSeconds: number;
  logger: Logger;
}): Promise<void> {
  const { grpcServer, sessions, registry, pool, store, http, lock, drainSeconds, logger } = parts;
  logger.info({ streams: sessions.size }, 'shutting down: asking producers to close their streams');
  sessions.requestCloseAll();
  await new Promise<void>((resolve) => {
    // tryShutdown stops new calls at once and waits for open ones, which end after the drain period.
    const force = setTimeout(() => grpcServer.forceShutdown(), (drainSeconds + 2) * 1000);
    grpcServer.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
  await registry.closeAll();
  await pool.close();
  const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
  http.closeAllConnections();
  await httpClosed;
  await store.close();
  await lock.release();
  logger.info('shutdown complete');
}
