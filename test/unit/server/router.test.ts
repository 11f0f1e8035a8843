import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TributaryError } from '../../../src/errors.js';
import { Router, type Route } from '../../../src/server/routes/router.js';

function invalid(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TributaryError);
    assert.equal(error.kind, 'invalid_argument');
    assert.match(error.message, message);
    return true;
  });
}

describe('Router', () => {
  const handle = async () => ({ status: 200, json: {} });
  const routes: Route[] = [
    { method: 'GET', pattern: '/api/tables', handle },
    { method: 'GET', pattern: '/api/tables/:name', handle },
    { method: 'GET', pattern: '/api/permissions/:type/:name', handle },
  ];
  const router = new Router(routes);

  it('matches literal and parameter segments, percent-decoding parameters', () => {
    const m = router.match('GET', '/api/permissions/table/main.default.a%20b');
    assert.ok(m.found);
    assert.equal(m.route, routes[2]);
    assert.deepEqual(m.params, { type: 'table', name: 'main.default.a b' });
    assert.ok(router.match('GET', '/api/tables').found);
  });

  it('matches nothing else', () => {
    for (const [method, path] of [
      ['POST', '/api/tables'],
      ['GET', '/api/tables/'],
      ['GET', '/api/tables/a/b'],
      ['GET', '/api/../api/tables'],
      ['GET', '/api/TABLES'],
    ] as const) {
      assert.equal(router.match(method, path).found, false, `${method} ${path}`);
    }
  });

  it('refuses broken percent-encoding', () => {
    invalid(() => router.match('GET', '/api/tables/%E0%A4%A'), /not valid percent-encoding/);
  });
});
