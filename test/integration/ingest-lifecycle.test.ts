/**
 * Stream lifecycle with the official client: graceful shutdown drains with close_stream_signal, idle
 * streams are rotated without the producer noticing, and TLS works with a CA the client trusts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { TableInfo } from '../../src/catalog/model.js';
import { deltaRows } from '../helpers/delta-rows.js';
import { loadOfficialSdk } from '../helpers/official-sdk.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const { ZerobusSdk, RecordType } = loadOfficialSdk();
const TABLE = 'main.default.events';

async function serverWithTable(options: Parameters<typeof startTestServer>[0] = {}) {
  const server = await startTestServer(options);
  await server.sql(`CREATE TABLE ${TABLE} (id STRING NOT NULL, n BIGINT)`);
  const table = await server.server.catalog.getTable({ catalog: 'main', schema: 'default', table: 'events' });
  return { t: Object.assign(server, { table }), creds: await server.producer('producer', TABLE) };
}

/** Shuts the server down (final commit) and reads the table's ids. */
async function rowsAfterClose(t: TestServer & { table: TableInfo }): Promise<string[]> {
  await t.server.close();
  const rows = await deltaRows(t.table);
  await t.close();
  return rows.map((r) => String(r.id));
}

test('graceful shutdown: producers get close_stream_signal, everything acked is committed', async () => {
  const { t, creds } = await serverWithTable();
  const sdk = new ZerobusSdk(t.server.zerobusEndpoint, t.server.unityCatalogUrl);
  const stream = await sdk.createStream({ tableName: TABLE }, creds.clientId, creds.clientSecret, {
    recordType: RecordType.Json,
    recoveryRetries: 0,
    recoveryBackoffMs: 100,
  });
  const acked: string[] = [];
  let stop = false;
  const producer = (async () => {
    for (let b = 0; !stop; b++) {
      const batch = Array.from({ length: 100 }, (_, i) => ({ id: `b${b}-${i}`, n: i }));
      try {
        await stream.ingestRecords(batch);
      } catch {
        return;
      }
      acked.push(...batch.map((r) => r.id));
    }
  })();
  await new Promise((r) => setTimeout(r, 300));
  await t.server.close();
  stop = true;
  await producer;
  assert.ok(acked.length > 0);
  const ids = new Set(await rowsAfterClose(t));
  assert.deepEqual(
    acked.filter((id) => !ids.has(id)),
    [],
  );
});

test('an idle stream is rotated with close_stream_signal; the producer carries on unaware', async () => {
  const { t, creds } = await serverWithTable({ idleTimeoutMs: 300 });
  const sdk = new ZerobusSdk(t.server.zerobusEndpoint, t.server.unityCatalogUrl);
  const stream = await sdk.createStream({ tableName: TABLE }, creds.clientId, creds.clientSecret, {
    recordType: RecordType.Json,
  });
  assert.equal(await stream.ingestRecord({ id: 'before-idle', n: 1 }), 0n);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await stream.ingestRecord({ id: 'after-idle', n: 2 }), 1n);
  await stream.close();
  assert.deepEqual((await rowsAfterClose(t)).sort(), ['after-idle', 'before-idle']);
});

test('TLS: the client trusts the server through SSL_CERT_FILE naming the CA', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-tls-'));
  const [ca, caKey, cert, key, csr, ext] = ['ca.pem', 'ca-key.pem', 'cert.pem', 'key.pem', 'req.csr', 'ext.cnf'].map((f) =>
    path.join(dir, f),
  ) as [string, string, string, string, string, string];
  const openssl = (...args: string[]) => promisify(execFile)('openssl', args);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl('req', '-x509', ...ec, '-days', '1', '-subj', '/CN=Test CA', '-keyout', caKey, '-out', ca);
  await openssl('req', ...ec, '-subj', '/CN=localhost', '-keyout', key, '-out', csr);
  await writeFile(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n');
  await openssl('x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-days', '1', '-out', cert, '-extfile', ext);
  const { t, creds } = await serverWithTable({ tlsCert: cert, tlsKey: key });
  try {
    assert.match(t.server.zerobusEndpoint, /^https:\/\//);
    process.env.SSL_CERT_FILE = ca;
    const sdk = new ZerobusSdk(t.server.zerobusEndpoint, t.server.unityCatalogUrl);
    const stream = await sdk.createStream({ tableName: TABLE }, creds.clientId, creds.clientSecret, {
      recordType: RecordType.Json,
      recovery: false,
    });
    await stream.ingestRecords([{ id: 'tls-1', n: 1 }, { id: 'tls-2', n: 2 }]);
    await stream.close();
    assert.deepEqual((await rowsAfterClose(t)).sort(), ['tls-1', 'tls-2']);
  } finally {
    delete process.env.SSL_CERT_FILE;
    await rm(dir, { recursive: true, force: true });
  }
});

test('DROP TABLE under a live stream: the stream ends with NOT_FOUND; a table created again under the name starts empty', async () => {
  const { t, creds } = await serverWithTable({ flushIntervalMs: 100 });
  const sdk = new ZerobusSdk(t.server.zerobusEndpoint, t.server.unityCatalogUrl);
  const stream = await sdk.createStream({ tableName: TABLE }, creds.clientId, creds.clientSecret, {
    recordType: RecordType.Json,
    recovery: false,
  });
  await stream.ingestRecord({ id: 'old-1', n: 1 });
  await t.sql(`DROP TABLE ${TABLE}`);
  await t.sql(`CREATE TABLE ${TABLE} (id STRING NOT NULL, n BIGINT)`);
  await t.sql(`GRANT SELECT, MODIFY ON TABLE ${TABLE} TO \`producer\``);
  await stream.ingestRecord({ id: 'old-2', n: 2 }).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 500));
  await assert.rejects(stream.ingestRecord({ id: 'old-3', n: 3 }), /not found.*was dropped/is);
  await stream.close().catch(() => undefined);

  const fresh = await sdk.createStream({ tableName: TABLE }, creds.clientId, creds.clientSecret, { recordType: RecordType.Json });
  await fresh.ingestRecord({ id: 'new-1', n: 1 });
  await fresh.close();
  const table = await t.server.catalog.getTable({ catalog: 'main', schema: 'default', table: 'events' });
  await t.server.close();
  assert.deepEqual((await deltaRows(table)).map((r) => r.id), ['new-1']);
  await t.close();
});
