import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { LocalObjectStore, objectStoreFor } from '../../../src/delta/object-store.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'tributary-store-'));
after(() => fs.rm(root, { recursive: true, force: true }));

describe('local object store', () => {
  it('creates an object once with putIfAbsent and never overwrites it', async () => {
    const store = new LocalObjectStore(path.join(root, 'a'));
    assert.equal(await store.putIfAbsent('_delta_log/1.json', Buffer.from('first')), true);
    assert.equal(await store.putIfAbsent('_delta_log/1.json', Buffer.from('second')), false);
    assert.equal(Buffer.from((await store.get('_delta_log/1.json'))!).toString(), 'first');
    assert.deepEqual(await fs.readdir(path.join(root, 'a', '_delta_log')), ['1.json']);
  });

  it('lets exactly one of many concurrent putIfAbsent calls win', async () => {
    const store = new LocalObjectStore(path.join(root, 'race'));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.putIfAbsent('v.json', Buffer.from(String(i)))),
    );
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal(Buffer.from((await store.get('v.json'))!).toString(), String(results.indexOf(true)));
  });

  it('lists a folder in key order, after a key, and deletes', async () => {
    const store = objectStoreFor(pathToFileURL(path.join(root, 'b')).href);
    for (const name of ['c', 'a', 'b']) await store.put(`dir/${name}`, Buffer.from(name));
    assert.deepEqual((await store.list('dir/')).map((o) => o.key), ['dir/a', 'dir/b', 'dir/c']);
    assert.deepEqual((await store.list('dir/', { after: 'dir/a' })).map((o) => o.key), ['dir/b', 'dir/c']);
    await store.delete('dir/b');
    await store.delete('dir/missing');
    assert.deepEqual((await store.list('dir/')).map((o) => o.key), ['dir/a', 'dir/c']);
    assert.equal(await store.get('dir/b'), undefined);
    assert.deepEqual(await store.list('nothing/'), []);
  });

  it('refuses keys that leave the table directory and unsupported locations', async () => {
    const store = new LocalObjectStore(path.join(root, 'c'));
    await assert.rejects(store.get('../escape'), /escapes the table directory/);
    assert.throws(() => objectStoreFor('s3://bucket/t'), /unsupported table storage location/);
  });
});
