/**
 * The gRPC server grants clients wider HTTP/2 receive windows than the protocol's 64 KiB default, so a
 * producer can send its next batch while the server decodes the last one. Checked the way a client sees
 * it: the SETTINGS the server sends, and the connection window after its WINDOW_UPDATE.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { test } from 'node:test';
import { CONNECTION_WINDOW_BYTES, STREAM_WINDOW_BYTES } from '../../src/server/receive-windows.js';
import { startTestServer } from '../helpers/test-server.js';

test('a client may send a megabyte per stream and four per connection ahead of the server', async () => {
  const t = await startTestServer();
  const client = http2.connect(t.server.zerobusEndpoint);
  try {
    const settings = await new Promise<http2.Settings>((resolve, reject) => {
      client.once('remoteSettings', resolve);
      client.once('error', reject);
    });
    assert.equal(settings.initialWindowSize, STREAM_WINDOW_BYTES);
    const DEFAULT_WINDOW = 65_535;
    for (let i = 0; i < 100 && client.state.remoteWindowSize === DEFAULT_WINDOW; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(client.state.remoteWindowSize, CONNECTION_WINDOW_BYTES);
  } finally {
    client.close();
    await t.close();
  }
});
