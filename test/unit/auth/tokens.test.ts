import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignJWT, UnsecuredJWT, base64url, generateKeyPair, type CryptoKey } from 'jose';
import { loadOrCreateSigningKey, type SigningKey } from '../../../src/auth/keys.js';
import { Tokens, tokenAllows, type AccessClaims } from '../../../src/auth/tokens.js';
import { TributaryError } from '../../../src/errors.js';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const tableGrant = {
  principal: 'app-1',
  scope: 'all-apis',
  audience: 'api://databricks/workspaces/127/zerobusDirectWriteApi',
  authorizationDetails: [
    { objectType: 'CATALOG', objectFullPath: 'main', privileges: ['USE CATALOG'] },
    { objectType: 'SCHEMA', objectFullPath: 'main.default', privileges: ['USE SCHEMA'] },
    {
      objectType: 'TABLE',
      objectFullPath: 'main.default.air_quality',
      privileges: ['SELECT', 'MODIFY'],
      operations: ['zerobuswrite'],
    },
  ],
} as const;

async function refusal(promise: Promise<unknown>): Promise<TributaryError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TributaryError, `expected a TributaryError, got ${String(error)}`);
    assert.equal(error.kind, 'unauthenticated');
    return error;
  }
  assert.fail('the token was accepted');
}

/** Replaces one base64url JSON part of a JWT, keeping the rest. */
function withPart(token: string, index: 0 | 1, edit: (json: Record<string, unknown>) => void): string {
  const parts = token.split('.');
  const json = JSON.parse(new TextDecoder().decode(base64url.decode(parts[index]!))) as Record<string, unknown>;
  edit(json);
  parts[index] = base64url.encode(JSON.stringify(json));
  return parts.join('.');
}

describe('signing key', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-keys-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('is created private on first start and reused afterwards', async () => {
    const file = path.join(dir, 'keys', 'token-signing.jwk');
    const first = await loadOrCreateSigningKey(file);
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
    assert.equal((await fs.stat(path.dirname(file))).mode & 0o777, 0o700);
    const second = await loadOrCreateSigningKey(file);
    assert.equal(second.kid, first.kid);
    const { token } = await new Tokens(first).issue(tableGrant);
    assert.equal((await new Tokens(second).verify(token)).principal, 'app-1');
  });

  it('is the same for two processes starting at once', async () => {
    const file = path.join(dir, 'race', 'k.jwk');
    const keys = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateSigningKey(file)));
    assert.equal(new Set(keys.map((k) => k.kid)).size, 1);
    assert.deepEqual((await fs.readdir(path.dirname(file))).sort(), ['k.jwk']);
  });

  it('refuses a file that is not an Ed25519 key', async () => {
    const file = path.join(dir, 'bad.jwk');
    await fs.writeFile(file, '{"kty":"oct","k":"abc"}');
    await assert.rejects(loadOrCreateSigningKey(file), /not an Ed25519 private JWK/);
  });
});

describe('Tokens', () => {
  let key: SigningKey;
  let clock = T0;
  let tokens: Tokens;
  before(async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-tokens-'));
    key = await loadOrCreateSigningKey(path.join(dir, 'k.jwk'));
    await fs.rm(dir, { recursive: true, force: true });
    tokens = new Tokens(key, { ttlSeconds: 600, now: () => clock });
  });

  it('issues a token whose claims round-trip', async () => {
    clock = T0;
    const issued = await tokens.issue(tableGrant);
    assert.equal(issued.expiresIn, 600);
    const claims = await tokens.verify(issued.token);
    assert.deepEqual(claims, issued.claims);
    assert.equal(claims.principal, 'app-1');
    assert.equal(claims.audience, tableGrant.audience);
    assert.equal(claims.issuedAt, T0 / 1000);
    assert.equal(claims.expiresAt, T0 / 1000 + 600);
    assert.deepEqual(claims.authorizationDetails, tableGrant.authorizationDetails);
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(issued.token.split('.')[1]!)));
    assert.equal(payload.iss, 'tributary');
    assert.deepEqual(payload.authorization_details[2], {
      type: 'unity_catalog_privileges',
      object_type: 'TABLE',
      object_full_path: 'main.default.air_quality',
      privileges: ['SELECT', 'MODIFY'],
      operations: ['zerobuswrite'],
    });
  });

  it('issues a principal-only token without authorization details', async () => {
    clock = T0;
    const { token } = await tokens.issue({ principal: 'app-2', scope: 'all-apis' });
    const claims = await tokens.verify(token);
    assert.equal(claims.authorizationDetails, undefined);
    assert.equal(claims.audience, 'tributary');
  });

  it('refuses an expired token, saying when it expired', async () => {
    clock = T0;
    const { token } = await tokens.issue(tableGrant);
    clock = T0 + 601_000;
    const error = await refusal(tokens.verify(token));
    assert.match(error.message, /expired at 2025-06-01T12:10:00\.000Z/);
    clock = T0;
  });

  it('refuses a tampered signature', async () => {
    const { token } = await tokens.issue(tableGrant);
    const [h, p, s] = token.split('.') as [string, string, string];
    const flipped = `${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
    const error = await refusal(tokens.verify(`${h}.${p}.${flipped}`));
    assert.match(error.message, /signature does not match/);
  });

  it('refuses a tampered payload', async () => {
    const { token } = await tokens.issue({ principal: 'app-2', scope: 'all-apis' });
    const forged = withPart(token, 1, (claims) => {
      claims.sub = 'admin';
    });
    const error = await refusal(tokens.verify(forged));
    assert.match(error.message, /signature does not match/);
  });

  it('refuses alg none', async () => {
    const unsecured = new UnsecuredJWT({ scope: 'all-apis' })
      .setIssuer('tributary')
      .setSubject('admin')
      .setIssuedAt(T0 / 1000)
      .setExpirationTime(T0 / 1000 + 60)
      .setJti('x')
      .encode();
    const error = await refusal(tokens.verify(unsecured));
    assert.match(error.message, /algorithm "none"/);
  });

  it('refuses a token whose header was switched to another algorithm', async () => {
    const { token } = await tokens.issue(tableGrant);
    const error = await refusal(tokens.verify(withPart(token, 0, (h) => (h.alg = 'HS256'))));
    assert.match(error.message, /algorithm "HS256"/);
  });

  it('refuses a token signed by another key or another issuer', async () => {
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const sign = (issuer: string, signer: CryptoKey) =>
      new SignJWT({ scope: 'all-apis' })
        .setProtectedHeader({ alg: 'EdDSA' })
        .setIssuer(issuer)
        .setSubject('admin')
        .setAudience('tributary')
        .setIssuedAt(T0 / 1000)
        .setExpirationTime(T0 / 1000 + 60)
        .setJti('x')
        .sign(signer);
    assert.match((await refusal(tokens.verify(await sign('tributary', other.privateKey)))).message, /signature/);
    const error = await refusal(tokens.verify(await sign('someone-else', key.privateKey)));
    assert.match(error.message, /issuer "someone-else" is not "tributary"/);
  });

  it('refuses malformed tokens', async () => {
    for (const text of ['', 'abc', 'a.b.c', 'Bearer x.y.z', '....']) {
      const error = await refusal(tokens.verify(text));
      assert.match(error.message, /malformed/, text);
    }
  });
});

describe('tokenAllows', () => {
  const claims: AccessClaims = {
    principal: 'app-1',
    audience: 'tributary',
    scope: 'all-apis',
    issuedAt: 0,
    expiresAt: 1,
    tokenId: 'x',
    authorizationDetails: [
      ...tableGrant.authorizationDetails,
      { objectType: 'SCHEMA', objectFullPath: 'main.logs', privileges: ['ALL PRIVILEGES'] },
    ],
  };

  it('allows what was granted, on the object or inherited from its schema', () => {
    assert.equal(tokenAllows(claims, 'MODIFY', 'TABLE', 'main.default.air_quality'), true);
    assert.equal(tokenAllows(claims, 'MODIFY', 'TABLE', 'Main.Default.Air_Quality'), true);
    assert.equal(tokenAllows(claims, 'MODIFY', 'TABLE', 'main.logs.anything'), true);
    assert.equal(tokenAllows(claims, 'USE SCHEMA', 'SCHEMA', 'main.default'), true);
  });

  it('allows nothing else', () => {
    assert.equal(tokenAllows(claims, 'MODIFY', 'TABLE', 'main.default.other'), false);
    assert.equal(tokenAllows(claims, 'CREATE TABLE', 'SCHEMA', 'main.default'), false);
    assert.equal(tokenAllows(claims, 'MODIFY', 'TABLE', 'main.default'), false);
    assert.equal(tokenAllows({ ...claims, authorizationDetails: undefined }, 'SELECT', 'CATALOG', 'main'), false);
  });
});
