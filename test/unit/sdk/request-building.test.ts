import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEndpoint } from '../../../src/sdk/endpoint.js';
import { authorizationDetails, tokenFromResponse, tokenRequestBody } from '../../../src/sdk/oauth.js';
import { parseTableName } from '../../../src/sdk/table-name.js';
import { DEFAULT_OPTIONS, RecordType, resolveOptions } from '../../../src/sdk/options.js';
import { ZerobusError } from '../../../src/sdk/zerobus-error.js';

test('table names must have three non-empty parts, with the official messages', () => {
  assert.deepEqual(parseTableName('main.default.air_quality'), {
    catalog: 'main',
    schema: 'default',
    table: 'air_quality',
    full: 'main.default.air_quality',
  });
  assert.throws(
    () => parseTableName('main.air_quality'),
    (e: ZerobusError) =>
      e.message === 'Specified UC table name is invalid: Table name must have exactly 3 parts (catalog.schema.table), found 2 parts.' &&
      !e.isRetryable,
  );
  assert.throws(() => parseTableName('a.b.c.d'), /found 4 parts/);
  assert.throws(() => parseTableName('main..t'), /Schema name cannot be empty\./);
  assert.throws(() => parseTableName('.s.t'), /Catalog name cannot be empty\./);
  assert.throws(() => parseTableName('c.s.'), /Table name cannot be empty\./);
});

test('the workspace id is derived like the official client: first label, port kept when there is no dot', () => {
  assert.deepEqual(parseEndpoint('http://127.0.0.1:50051'), { secure: false, address: '127.0.0.1:50051', workspaceId: '127' });
  assert.deepEqual(parseEndpoint('http://127.0.0.1:50051/'), { secure: false, address: '127.0.0.1:50051', workspaceId: '127' });
  assert.deepEqual(parseEndpoint('http://localhost:50051'), { secure: false, address: 'localhost:50051', workspaceId: 'localhost:50051' });
  assert.deepEqual(parseEndpoint('https://1234567890.zerobus.us-west-2.cloud.databricks.com'), {
    secure: true,
    address: '1234567890.zerobus.us-west-2.cloud.databricks.com:443',
    workspaceId: '1234567890',
  });
  // No scheme means https, as in the official examples' endpoint strings.
  assert.deepEqual(parseEndpoint('987.zerobus.example.com:8443'), { secure: true, address: '987.zerobus.example.com:8443', workspaceId: '987' });
  assert.equal(parseEndpoint('http://[::1]:50051').address, '[::1]:50051');
});

test('the OAuth form body is byte-identical to the official client capture (client report §1)', () => {
  const table = parseTableName('main.default.air_quality');
  const details =
    '[{"object_full_path":"main","object_type":"CATALOG","privileges":["USE CATALOG"],"type":"unity_catalog_privileges"},' +
    '{"object_full_path":"main.default","object_type":"SCHEMA","privileges":["USE SCHEMA"],"type":"unity_catalog_privileges"},' +
    '{"object_full_path":"main.default.air_quality","object_type":"TABLE","operations":["zerobuswrite"],"privileges":["SELECT","MODIFY"],"type":"unity_catalog_privileges"}]';
  assert.equal(authorizationDetails(table), details);
  const expected =
    'grant_type=client_credentials&scope=all-apis' +
    '&resource=api%3A%2F%2Fdatabricks%2Fworkspaces%2F127%2FzerobusDirectWriteApi' +
    '&authorization_details=' +
    encodeURIComponent(details).replace(/%20/g, '+');
  assert.equal(tokenRequestBody(table, '127'), expected);
  // The fields decode back to exactly the four the spec lists, in order.
  assert.deepEqual([...new URLSearchParams(tokenRequestBody(table, '127')).keys()], [
    'grant_type',
    'scope',
    'resource',
    'authorization_details',
  ]);
});

test('token responses: 2xx with access_token succeeds; 4xx and a missing token fail fast; 5xx is retryable', () => {
  assert.equal(tokenFromResponse(200, '{"access_token":"abc","expires_in":3600}'), 'abc');
  const cases: Array<[number, string, RegExp, boolean]> = [
    [401, 'nope', /^Specified UC token is in invalid format: Client error \(401\): nope$/, false],
    [429, 'slow', /Client error \(429\)/, false],
    [200, '{"token_type":"Bearer"}', /^Specified UC token is in invalid format: access_token missing$/, false],
    [200, 'not json', /^Specified UC token is in invalid format: /, false],
    [500, 'boom', /^Token fetch failed: Unity catalog server error \(500\): boom$/, true],
    [503, '', /Unity catalog server error \(503\)/, true],
  ];
  for (const [status, body, message, retryable] of cases) {
    assert.throws(
      () => tokenFromResponse(status, body),
      (e: unknown) => e instanceof ZerobusError && message.test(e.message) && e.isRetryable === retryable,
      `${status} ${body}`,
    );
  }
});

test('options default like the official SDK; any record type but Json means Proto', () => {
  assert.deepEqual(resolveOptions(undefined), DEFAULT_OPTIONS);
  assert.deepEqual(DEFAULT_OPTIONS, {
    maxInflightRequests: 1_000_000,
    recovery: true,
    recoveryTimeoutMs: 15_000,
    recoveryBackoffMs: 2_000,
    recoveryRetries: 4,
    serverLackOfAckTimeoutMs: 60_000,
    flushTimeoutMs: 300_000,
    recordType: RecordType.Proto,
    streamPausedMaxWaitTimeMs: undefined,
  });
  assert.equal(resolveOptions({ recordType: RecordType.Json }).recordType, RecordType.Json);
  assert.equal(resolveOptions({ recordType: 7 }).recordType, RecordType.Proto);
  assert.equal(resolveOptions({ recovery: false, recoveryRetries: 0 }).recoveryRetries, 0);
  assert.equal(resolveOptions({ streamPausedMaxWaitTimeMs: 0 }).streamPausedMaxWaitTimeMs, 0);
});
