import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadOrCreateSigningKey } from '../../../src/auth/keys.js';
import { INVALID_CLIENT_MESSAGE, TokenEndpoint } from '../../../src/auth/oauth.js';
import { generateClientSecret, hashSecret } from '../../../src/auth/secrets.js';
import { Tokens } from '../../../src/auth/tokens.js';
import { AccessControl } from '../../../src/catalog/access.js';
import { Catalog } from '../../../src/catalog/catalog.js';
import type { CatalogStore, Principal } from '../../../src/catalog/model.js';
import { openSqliteStore } from '../../../src/catalog/sqlite-store.js';
import { parseTypeText } from '../../../src/catalog/types.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const detail = (object_type: string, object_full_path: string, privileges: string[]) => ({
  type: 'unity_catalog_privileges',
  object_type,
  object_full_path,
  privileges,
});

describe('TokenEndpoint decisions', () => {
  let dir: string;
  let store: CatalogStore;
  let tokens: Tokens;
  let endpoint: TokenEndpoint;
  let writer: Principal;
  let writerSecret: string;
  const outcomes: string[] = [];

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-oauth-'));
    store = openSqliteStore(path.join(dir, 'catalog.db'));
    const catalog = new Catalog(store, { tablesDir: path.join(dir, 'tables') });
    await catalog.ensureDefaults();
    await catalog.createTable({
      name: { catalog: 'main', schema: 'default', table: 't' },
      columns: [{ name: 'a', type: parseTypeText('int'), nullable: true, position: 0 }],
      owner: 'tributary',
    });
    writerSecret = generateClientSecret();
    writer = await store.createPrincipal('writer', { secretHash: await hashSecret(writerSecret) });
    await store.grant({ principal: writer.applicationId, securableType: 'CATALOG', securableName: 'main', privilege: 'USE CATALOG' });
    await store.grant({ principal: writer.applicationId, securableType: 'TABLE', securableName: 'main.default.t', privilege: 'MODIFY' });
    tokens = new Tokens(await loadOrCreateSigningKey(path.join(dir, 'k.jwk')));
    endpoint = new TokenEndpoint({ store, access: new AccessControl(store), tokens, onOutcome: (o) => outcomes.push(o) });
  });
  after(async () => {
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const ask = (details?: unknown[], secret = writerSecret, id = writer.applicationId) =>
    endpoint.handle({
      authorization: basic(id, secret),
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        ...(details ? { authorization_details: JSON.stringify(details) } : {}),
      }).toString(),
    });

  it('issues a principal-only token when no privileges are asked for', async () => {
    const answer = await ask();
    assert.equal(answer.status, 200);
    const claims = await tokens.verify(answer.body.access_token as string);
    assert.equal(claims.principal, writer.applicationId);
    assert.equal(claims.authorizationDetails, undefined);
  });

  it('refuses a table privilege whose USE SCHEMA is missing, naming what is missing', async () => {
    const answer = await ask([detail('TABLE', 'main.default.t', ['MODIFY'])]);
    assert.equal(answer.status, 403);
    assert.equal(answer.body.error, 'access_denied');
    assert.match(answer.body.error_description as string, /cannot grant MODIFY on TABLE main\.default\.t: .*lacks USE SCHEMA on schema main\.default/);
  });

  it('grants exactly what was asked once the grants are there, with names normalised', async () => {
    await store.grant({ principal: writer.applicationId, securableType: 'SCHEMA', securableName: 'main.default', privilege: 'USE SCHEMA' });
    const answer = await ask([detail('table', 'Main.Default.`T`', ['MODIFY'])]);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const claims = await tokens.verify(answer.body.access_token as string);
    assert.deepEqual(claims.authorizationDetails, [{ objectType: 'TABLE', objectFullPath: 'main.default.t', privileges: ['MODIFY'] }]);
    assert.equal((await ask([detail('TABLE', 'main.default.t', ['SELECT'])])).status, 403);
  });

  it('accepts any of a principal’s secrets during rotation', async () => {
    const next = generateClientSecret();
    await store.addSecret(writer.applicationId, await hashSecret(next));
    assert.equal((await ask(undefined, next)).status, 200);
    assert.equal((await ask(undefined, writerSecret)).status, 200);
    await store.removeSecretsExcept(writer.applicationId, (await store.getPrincipal(writer.applicationId))!.secrets.at(-1)!.id);
    const old = await ask(undefined, writerSecret);
    assert.equal(old.status, 401);
    assert.equal(old.body.error_description, INVALID_CLIENT_MESSAGE);
    writerSecret = next;
  });

  it('refuses invalid names in authorization_details as invalid_request', async () => {
    const answer = await ask([detail('TABLE', 'main.default.a-b', ['MODIFY'])]);
    assert.equal(answer.status, 400);
    assert.match(answer.body.error_description as string, /invalid table name "a-b"/);
  });

  it('reports every outcome for metrics', () => {
    assert.ok(outcomes.includes('issued'));
    assert.ok(outcomes.includes('access_denied'));
    assert.ok(outcomes.includes('invalid_client'));
    assert.ok(outcomes.includes('invalid_request'));
  });
});
