/**
 * WAL payload memory is reused once a commit holds its rows (`PayloadBuffers`). Reuse that came too early
 * would show as rows of one batch overwritten by a later one; so a stream commits many times while it
 * sends batches of differing sizes, and every row must land exactly as sent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSnapshot } from '../../src/delta/snapshot.js';
import { deltaRows } from '../helpers/delta-rows.js';
import { loadOfficialSdk } from '../helpers/official-sdk.js';
import { startTestServer } from '../helpers/test-server.js';

const { ZerobusSdk, RecordType } = loadOfficialSdk();
const TABLE = 'main.default.reuse';

test('rows survive payload memory reused across many commits, batch sizes varying', { timeout: 120_000 }, async () => {
  const t = await startTestServer({ flushIntervalMs: 10 });
  await t.sql(`CREATE TABLE ${TABLE} (id STRING NOT NULL, n BIGINT NOT NULL, pad STRING)`);
  const creds = await t.producer('producer', TABLE);
  const table = await t.server.catalog.getTable({ catalog: 'main', schema: 'default', table: 'reuse' });
  assert.ok(table);
  const sdk = new ZerobusSdk(t.server.zerobusEndpoint, t.server.unityCatalogUrl);
  const stream = await sdk.createStream({ tableName: TABLE }, creds.clientId, creds.clientSecret, {
    recordType: RecordType.Json,
  });
  const sent = new Map<string, { n: number; pad: string }>();
  for (let b = 0; b < 120; b++) {
    const rows = 200 + ((b * 37) % 150);
    const batch = Array.from({ length: rows }, (_, i) => ({ id: `b${b}-${i}`, n: b * 1000 + i, pad: `${b}:`.repeat(1 + ((b + i) % 40)) }));
    for (const r of batch) sent.set(r.id, { n: r.n, pad: r.pad });
    await stream.ingestRecords(batch);
    if (b % 8 === 7) await new Promise((r) => setTimeout(r, 15));
  }
  await stream.close();
  await t.server.close();

  const snapshot = await loadSnapshot(table.storageLocation);
  assert.ok(snapshot.version >= 10, `expected many commits while sending, got version ${snapshot.version}`);
  const rows = await deltaRows(table);
  assert.equal(rows.length, sent.size);
  for (const row of rows) {
    const expected = sent.get(String(row.id));
    assert.ok(expected, `unexpected row ${String(row.id)}`);
    assert.equal(row.n, BigInt(expected.n), `n of ${String(row.id)}`);
    assert.equal(row.pad, expected.pad, `pad of ${String(row.id)}`);
    sent.delete(String(row.id));
  }
  assert.equal(sent.size, 0);
  await t.close();
});
