import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAuthorizationDetailsText } from '../../../src/auth/authorization-details.js';
import {
  INVALID_CLIENT_MESSAGE,
  OAuthError,
  oauthErrorResponse,
  parseTokenRequest,
  type TokenHttpRequest,
} from '../../../src/auth/oauth.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const FORM = 'application/x-www-form-urlencoded';

/** The authorization_details the official TypeScript SDK 1.3.0 sends (official-ts-client-behaviour.md §1). */
const SDK_DETAILS =
  '[{"object_full_path":"main","object_type":"CATALOG","privileges":["USE CATALOG"],"type":"unity_catalog_privileges"},' +
  '{"object_full_path":"main.default","object_type":"SCHEMA","privileges":["USE SCHEMA"],"type":"unity_catalog_privileges"},' +
  '{"object_full_path":"main.default.air_quality","object_type":"TABLE","operations":["zerobuswrite"],"privileges":["SELECT","MODIFY"],"type":"unity_catalog_privileges"}]';

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

function refused(request: TokenHttpRequest): OAuthError {
  try {
    parseTokenRequest(request);
  } catch (error) {
    assert.ok(error instanceof OAuthError, String(error));
    return error;
  }
  assert.fail('the request was accepted');
}

describe('parseTokenRequest', () => {
  it('reads the official SDK request', () => {
    const request = parseTokenRequest({
      authorization: basic('0b1e6a2c-1111-2222-3333-444455556666', 'tbs_s3cr:et'),
      contentType: FORM,
      body: form({
        grant_type: 'client_credentials',
        scope: 'all-apis',
        resource: 'api://databricks/workspaces/127/zerobusDirectWriteApi',
        authorization_details: SDK_DETAILS,
      }),
    });
    assert.equal(request.clientId, '0b1e6a2c-1111-2222-3333-444455556666');
    assert.equal(request.clientSecret, 'tbs_s3cr:et', 'only the first colon separates id from secret');
    assert.equal(request.scope, 'all-apis');
    assert.equal(request.resource, 'api://databricks/workspaces/127/zerobusDirectWriteApi');
    assert.deepEqual(request.authorizationDetails, [
      { objectType: 'CATALOG', objectFullPath: 'main', privileges: ['USE CATALOG'] },
      { objectType: 'SCHEMA', objectFullPath: 'main.default', privileges: ['USE SCHEMA'] },
      {
        objectType: 'TABLE',
        objectFullPath: 'main.default.air_quality',
        privileges: ['SELECT', 'MODIFY'],
        operations: ['zerobuswrite'],
      },
    ]);
  });

  it('reads the generate-proto request: form credentials, no details, default scope', () => {
    const request = parseTokenRequest({
      contentType: `${FORM}; charset=utf-8`,
      body: form({ grant_type: 'client_credentials', client_id: 'app', client_secret: 'pw' }),
    });
    assert.deepEqual(request, { clientId: 'app', clientSecret: 'pw', scope: 'all-apis' });
  });

  it('refuses other grant types and a missing one', () => {
    const a = refused({ authorization: basic('a', 'b'), body: form({ grant_type: 'password' }) });
    assert.equal(a.code, 'unsupported_grant_type');
    assert.match(a.description, /"password" is not supported; use client_credentials/);
    assert.equal(refused({ authorization: basic('a', 'b'), body: '' }).code, 'invalid_request');
  });

  it('refuses missing or malformed client credentials as invalid_client', () => {
    for (const authorization of [undefined, 'Basic !!!', `Basic ${Buffer.from('nocolon').toString('base64')}`, basic('', 'x')]) {
      const error = refused({ ...(authorization ? { authorization } : {}), body: form({ grant_type: 'client_credentials' }) });
      assert.equal(error.code, 'invalid_client', String(authorization));
      assert.equal(error.status, 401);
    }
    assert.equal(refused({ authorization: basic('a', 'x'.repeat(5000)), body: 'grant_type=client_credentials' }).description, INVALID_CLIENT_MESSAGE);
  });

  it('refuses credentials sent two ways, repeated parameters and other content types', () => {
    const both = refused({
      authorization: basic('a', 'b'),
      body: form({ grant_type: 'client_credentials', client_id: 'a', client_secret: 'b' }),
    });
    assert.match(both.description, /not both/);
    const twice = refused({ authorization: basic('a', 'b'), body: 'grant_type=client_credentials&scope=all-apis&scope=all-apis' });
    assert.match(twice.description, /scope was given more than once/);
    const json = refused({ authorization: basic('a', 'b'), contentType: 'application/json', body: '{}' });
    assert.match(json.description, /application\/x-www-form-urlencoded, not application\/json/);
  });

  it('refuses unknown scopes', () => {
    const error = refused({ authorization: basic('a', 'b'), body: form({ grant_type: 'client_credentials', scope: 'all-apis sql' }) });
    assert.equal(error.code, 'invalid_scope');
    assert.match(error.description, /"sql"/);
  });

  it('says what is wrong with malformed authorization_details', () => {
    const cases: [string, RegExp][] = [
      ['not json', /not valid JSON/],
      ['{"type":"unity_catalog_privileges"}', /must be a JSON array/],
      ['[1]', /authorization_details\[0\] must be an object/],
      ['[{"type":"other","object_type":"TABLE","object_full_path":"a.b.c","privileges":["SELECT"]}]', /\[0\]\.type must be "unity_catalog_privileges", got "other"/],
      ['[{"type":"unity_catalog_privileges","object_type":"VOLUME","object_full_path":"a","privileges":["SELECT"]}]', /object_type must be one of CATALOG, SCHEMA, TABLE, got "VOLUME"/],
      ['[{"type":"unity_catalog_privileges","object_type":"TABLE","object_full_path":"a.b","privileges":["SELECT"]}]', /3-part name for a TABLE, got "a.b"/],
      ['[{"type":"unity_catalog_privileges","object_type":"TABLE","object_full_path":"a.b.c","privileges":[]}]', /privileges must be a non-empty array/],
      ['[{"type":"unity_catalog_privileges","object_type":"TABLE","object_full_path":"a.b.c","privileges":["WRITE"]}]', /unknown privilege "WRITE"/],
      ['[{"type":"unity_catalog_privileges","object_type":"TABLE","object_full_path":"a.b.c","privileges":["SELECT"],"operations":"x"}]', /operations must be an array of strings/],
    ];
    for (const [details, message] of cases) {
      const error = refused({
        authorization: basic('a', 'b'),
        body: form({ grant_type: 'client_credentials', authorization_details: details }),
      });
      assert.equal(error.code, 'invalid_request', details);
      assert.equal(error.status, 400);
      assert.match(error.description, message);
    }
  });
});

describe('authorization_details', () => {
  it('accepts keys in any order and either privilege spelling', () => {
    const [detail] = parseAuthorizationDetailsText(
      '[{"privileges":["use_schema","SELECT","SELECT"],"object_full_path":"main.default","type":"unity_catalog_privileges","object_type":"schema"}]',
    );
    assert.deepEqual(detail, { objectType: 'SCHEMA', objectFullPath: 'main.default', privileges: ['USE SCHEMA', 'SELECT'] });
  });
});

describe('oauthErrorResponse', () => {
  it('uses the OAuth error shape, no caching, and a Basic challenge for invalid_client', () => {
    const answer = oauthErrorResponse(new OAuthError('invalid_client', INVALID_CLIENT_MESSAGE));
    assert.equal(answer.status, 401);
    assert.deepEqual(answer.body, { error: 'invalid_client', error_description: INVALID_CLIENT_MESSAGE });
    assert.equal(answer.headers['cache-control'], 'no-store');
    assert.match(answer.headers['www-authenticate'] ?? '', /^Basic/);
    assert.equal(oauthErrorResponse(new OAuthError('access_denied', 'x')).status, 403);
  });
});
