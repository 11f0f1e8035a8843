import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Tokens } from '../../src/auth/tokens.js';
import { sdkTokenBody, sdkTokenHeaders } from '../helpers/oauth-token.js';
import { TABLE, plainToken, startFixture, type Fixture } from './http-fixture.js';

const TOKEN = '/oidc/v1/token';
const TABLE_URL = `/api/2.1/unity-catalog/tables/${TABLE}`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('OAuth token endpoint and bearer auth over HTTP', () => {
  let f: Fixture;
  const issuedTokens: string[] = [];
  before(async () => {
    f = await startFixture();
  });
  after(async () => {
    await f.close();
  });

  it('gives a producer a token for the official SDK request and the token reads the table', async () => {
    const answer = await f.request('POST', TOKEN, { headers: sdkTokenHeaders(f.producer), body: sdkTokenBody(TABLE) });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(Object.keys(answer.json!).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
    assert.equal(answer.json!.token_type, 'Bearer');
    assert.equal(answer.json!.expires_in, 3600);
    assert.equal(answer.json!.scope, 'all-apis');
    assert.equal(answer.headers['cache-control'], 'no-store');
    const token = answer.json!.access_token as string;
    issuedTokens.push(token);

    const claims = await new Tokens(f.key).verify(token);
    assert.equal(claims.principal, f.producer.clientId);
    assert.equal(claims.audience, 'api://databricks/workspaces/127/zerobusDirectWriteApi');
    assert.deepEqual(claims.authorizationDetails?.[2]?.privileges, ['SELECT', 'MODIFY']);

    const table = await f.request('GET', TABLE_URL, { headers: bearer(token) });
    assert.equal(table.status, 200, table.text);
    assert.equal(table.json!.full_name, TABLE);
  });

  it('refuses a principal without MODIFY, naming the object and privilege', async () => {
    const answer = await f.request('POST', TOKEN, { headers: sdkTokenHeaders(f.reader), body: sdkTokenBody(TABLE) });
    assert.equal(answer.status, 403);
    assert.equal(answer.json!.error, 'access_denied');
    assert.match(answer.json!.error_description as string, /MODIFY on TABLE main\.default\.air_quality/);
    assert.match(answer.json!.error_description as string, /'reader' lacks MODIFY/);
  });

  it('refuses a wrong secret and an unknown client with the same message', async () => {
    const wrong = await f.request('POST', TOKEN, {
      headers: sdkTokenHeaders({ clientId: f.producer.clientId, clientSecret: `${f.producer.clientSecret}x` }),
      body: sdkTokenBody(TABLE),
    });
    const unknown = await f.request('POST', TOKEN, {
      headers: sdkTokenHeaders({ clientId: '00000000-0000-0000-0000-000000000000', clientSecret: f.producer.clientSecret }),
      body: sdkTokenBody(TABLE),
    });
    const byName = await f.request('POST', TOKEN, {
      headers: sdkTokenHeaders({ clientId: 'producer', clientSecret: f.producer.clientSecret }),
      body: sdkTokenBody(TABLE),
    });
    for (const answer of [wrong, unknown, byName]) {
      assert.equal(answer.status, 401);
      assert.equal(answer.json!.error, 'invalid_client');
    }
    assert.equal(wrong.text, unknown.text);
    assert.equal(byName.text, unknown.text, 'a display name is not a client id');
  });

  it('says what is wrong with malformed authorization_details', async () => {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      authorization_details: '[{"type":"unity_catalog_privileges","object_type":"TABLE","privileges":["MODIFY"]}]',
    }).toString();
    const answer = await f.request('POST', TOKEN, { headers: sdkTokenHeaders(f.producer), body });
    assert.equal(answer.status, 400);
    assert.equal(answer.json!.error, 'invalid_request');
    assert.match(answer.json!.error_description as string, /authorization_details\[0\]\.object_full_path must be a 3-part name/);
  });

  it('refuses an unknown table, naming it', async () => {
    const answer = await f.request('POST', TOKEN, {
      headers: sdkTokenHeaders(f.producer),
      body: sdkTokenBody('main.default.no_such_table'),
    });
    assert.equal(answer.status, 403);
    assert.match(answer.json!.error_description as string, /TABLE main\.default\.no_such_table does not exist/);
  });

  it('refuses other grant types', async () => {
    const answer = await f.request('POST', TOKEN, {
      headers: sdkTokenHeaders(f.producer),
      body: 'grant_type=authorization_code&code=x',
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.json!.error, 'unsupported_grant_type');
  });

  it('refuses REST calls without a token, with an expired token and with a tampered token, saying why', async () => {
    const none = await f.request('GET', TABLE_URL);
    assert.equal(none.status, 401);
    assert.equal(none.json!.error_code, 'UNAUTHENTICATED');
    assert.match(none.json!.message as string, /missing credentials/);
    assert.match(none.headers['www-authenticate'] ?? '', /^Bearer/);

    const past = new Tokens(f.key, { now: () => Date.now() - 2 * 3600 * 1000 });
    const expired = (await past.issue({ principal: f.producer.clientId, scope: 'all-apis' })).token;
    const late = await f.request('GET', TABLE_URL, { headers: bearer(expired) });
    assert.equal(late.status, 401);
    assert.match(late.json!.message as string, /expired at \d{4}-\d\d-\d\dT/);

    const token = await plainToken(f, f.reader);
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    claims.sub = f.admin.clientId;
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    const tampered = await f.request('GET', TABLE_URL, { headers: bearer(forged) });
    assert.equal(tampered.status, 401);
    assert.match(tampered.json!.message as string, /signature does not match/);

    const basic = await f.request('GET', TABLE_URL, { headers: { authorization: 'Basic abc' } });
    assert.match(basic.json!.message as string, /Bearer scheme/);
  });

  it('applies a REVOKE to the next request, whatever tokens are outstanding', async () => {
    const token = await plainToken(f, f.reader);
    assert.equal((await f.request('GET', TABLE_URL, { headers: bearer(token) })).status, 200);
    await f.store.revoke({ principal: f.reader.clientId, securableType: 'TABLE', securableName: TABLE, privilege: 'SELECT' });
    const after = await f.request('GET', TABLE_URL, { headers: bearer(token) });
    assert.equal(after.status, 403);
    assert.equal(after.json!.error_code, 'PERMISSION_DENIED');
    assert.match(after.json!.message as string, /lacks SELECT on table main\.default\.air_quality/);
    await f.store.grant({ principal: f.reader.clientId, securableType: 'TABLE', securableName: TABLE, privilege: 'SELECT' });
  });

  it('never writes secrets or tokens to the logs, nor secrets in clear to the database', async () => {
    issuedTokens.push(await plainToken(f, f.admin));
    const logs = f.logs();
    assert.match(logs, /access token issued/, 'the capture works');
    assert.match(logs, /client authentication failed/);
    const clients = [f.admin, f.producer, f.reader];
    for (const c of clients) assert.ok(!logs.includes(c.clientSecret), 'a client secret was logged');
    for (const t of issuedTokens) {
      assert.ok(!logs.includes(t), 'a token was logged');
      assert.ok(!logs.includes(t.split('.')[2]!), 'a token signature was logged');
    }
    const files = (await fs.readdir(f.dir)).filter((n) => n.startsWith('catalog.db'));
    assert.ok(files.length > 0);
    for (const name of files) {
      const bytes = await fs.readFile(path.join(f.dir, name));
      for (const c of clients) {
        assert.equal(bytes.indexOf(c.clientSecret), -1, `a clear secret is in ${name}`);
        assert.equal(bytes.indexOf(c.clientSecret.slice(4)), -1, `a clear secret is in ${name}`);
      }
    }
  });
});
