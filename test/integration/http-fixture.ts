/**
 * A real HTTP listener on an ephemeral port over a real SQLite catalog in a temp dir, with principals and
 * grants as a producer's setup would make them, and a raw HTTP client that sends paths exactly as given.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadOrCreateSigningKey, type SigningKey } from '../../src/auth/keys.js';
import { generateClientSecret, hashSecret } from '../../src/auth/secrets.js';
import { Tokens } from '../../src/auth/tokens.js';
import { AccessControl } from '../../src/catalog/access.js';
import { Catalog } from '../../src/catalog/catalog.js';
import type { CatalogStore, Principal, Privilege, SecurableType } from '../../src/catalog/model.js';
import { openSqliteStore } from '../../src/catalog/sqlite-store.js';
import { parseTypeText } from '../../src/catalog/types.js';
import { ensureAdminPrincipal } from '../../src/cli/admin-context.js';
import { createHttpServer } from '../../src/server/http.js';
import { Metrics } from '../../src/server/metrics.js';
import { sdkTokenHeaders } from '../helpers/oauth-token.js';

export interface Client {
  readonly principal: Principal;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  /** The parsed body, or undefined when it is not JSON. */
  readonly json: Record<string, unknown> | undefined;
}

export interface Fixture {
  readonly dir: string;
  readonly port: number;
  readonly store: CatalogStore;
  readonly catalog: Catalog;
  readonly key: SigningKey;
  readonly admin: Client;
  /** USE CATALOG main, USE SCHEMA main.default, SELECT + MODIFY on main.default.air_quality. */
  readonly producer: Client;
  /** Like producer but SELECT only. */
  readonly reader: Client;
  /** Every log line the server wrote. */
  readonly logs: () => string;
  readonly request: (method: string, path: string, opts?: { headers?: Record<string, string>; body?: string | Buffer }) => Promise<Answer>;
  readonly close: () => Promise<void>;
}

export const TABLE = 'main.default.air_quality';

export async function startFixture(): Promise<Fixture> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-http-'));
  const store = openSqliteStore(path.join(dir, 'catalog.db'));
  const catalog = new Catalog(store, { tablesDir: path.join(dir, 'tables') });
  const adminCreated = await ensureAdminPrincipal(store);
  await catalog.ensureDefaults(adminCreated.principal.applicationId);
  await catalog.createTable({
    name: { catalog: 'main', schema: 'default', table: 'air_quality' },
    columns: [
      { name: 'device_name', type: parseTypeText('string'), nullable: true, position: 0 },
      { name: 'temp', type: parseTypeText('int'), nullable: false, position: 1, comment: 'celsius' },
      { name: 'humidity', type: parseTypeText('bigint'), nullable: true, position: 2 },
      { name: 'price', type: parseTypeText('decimal(10,2)'), nullable: true, position: 3 },
      { name: 'loc', type: parseTypeText('struct<lat:double,lon:double>'), nullable: true, position: 4 },
    ],
    owner: adminCreated.principal.applicationId,
  });

  const client = async (name: string, privileges: [SecurableType, string, Privilege][]): Promise<Client> => {
    const clientSecret = generateClientSecret();
    const principal = await store.createPrincipal(name, { secretHash: await hashSecret(clientSecret) });
    for (const [securableType, securableName, privilege] of privileges) {
      await store.grant({ principal: principal.applicationId, securableType, securableName, privilege });
    }
    return { principal, clientId: principal.applicationId, clientSecret };
  };
  const uses: [SecurableType, string, Privilege][] = [
    ['CATALOG', 'main', 'USE CATALOG'],
    ['SCHEMA', 'main.default', 'USE SCHEMA'],
  ];
  const producer = await client('producer', [...uses, ['TABLE', TABLE, 'SELECT'], ['TABLE', TABLE, 'MODIFY']]);
  const reader = await client('reader', [...uses, ['TABLE', TABLE, 'SELECT']]);

  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const key = await loadOrCreateSigningKey(path.join(dir, 'keys', 'token-signing.jwk'));
  const server = createHttpServer({
    catalog,
    store,
    access: new AccessControl(store),
    tokens: new Tokens(key),
    metrics: new Metrics(),
    logger,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    dir,
    port,
    store,
    catalog,
    key,
    admin: {
      principal: adminCreated.principal,
      clientId: adminCreated.principal.applicationId,
      clientSecret: adminCreated.secret!,
    },
    producer,
    reader,
    logs: () => lines.join(''),
    request: (method, requestPath, opts = {}) => send(port, method, requestPath, opts),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** Sends one request with the path exactly as given (no URL normalisation) on a fresh connection. */
export function send(
  port: number,
  method: string,
  requestPath: string,
  opts: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: requestPath, headers: opts.headers, agent: false });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> | undefined;
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    // A server refusing an upload early may close while the rest is still being written; an answer
    // already received is what counts, and without one the error is the outcome.
    let answered = false;
    req.on('response', () => (answered = true));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (!answered) reject(error);
    });
    req.end(opts.body);
  });
}

/** Obtains a token as the generate-proto tools do: client credentials, no authorization_details. */
export async function plainToken(fixture: Fixture, client: Client): Promise<string> {
  const answer = await fixture.request('POST', '/oidc/v1/token', {
    headers: sdkTokenHeaders(client),
    body: 'grant_type=client_credentials&scope=all-apis',
  });
  if (answer.status !== 200) throw new Error(`token request failed: ${answer.text}`);
  return answer.json!.access_token as string;
}
