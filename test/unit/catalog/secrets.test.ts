import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CLIENT_SECRET_PREFIX, generateClientSecret, hashSecret, verifySecret } from '../../../src/auth/secrets.js';
import { openAdminContext } from '../../../src/cli/admin-context.js';
import { tempDir } from './fixtures.js';

const PHC = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

describe('client secrets', () => {
  it('are prefixed, 256-bit, URL-safe and never repeat', () => {
    const secrets = new Set(Array.from({ length: 1000 }, generateClientSecret));
    assert.equal(secrets.size, 1000);
    for (const s of secrets) {
      assert.ok(s.startsWith(CLIENT_SECRET_PREFIX));
      const body = s.slice(CLIENT_SECRET_PREFIX.length);
      assert.match(body, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(Buffer.from(body, 'base64url').length, 32);
    }
  });

  it('hash to a self-describing scrypt string with a fresh salt each time', async () => {
    const secret = generateClientSecret();
    const [a, b] = await Promise.all([hashSecret(secret), hashSecret(secret)]);
    const m = PHC.exec(a);
    assert.ok(m, a);
    assert.deepEqual([m[1], m[2], m[3]], ['14', '8', '1']);
    assert.equal(Buffer.from(m[4]!, 'base64url').length, 16);
    assert.equal(Buffer.from(m[5]!, 'base64url').length, 32);
    assert.notEqual(a, b, 'salts differ');
    assert.ok(!a.includes(secret.slice(CLIENT_SECRET_PREFIX.length, 20)));
  });

  it('verify only the right secret', async () => {
    const secret = generateClientSecret();
    const hash = await hashSecret(secret);
    assert.equal(await verifySecret(secret, hash), true);
    assert.equal(await verifySecret(`${secret}x`, hash), false);
    assert.equal(await verifySecret(secret.slice(0, -1), hash), false);
    assert.equal(await verifySecret('', hash), false);
    assert.equal(await verifySecret(secret, await hashSecret(generateClientSecret())), false);
  });

  it('treat malformed or hostile stored hashes as no match, without heavy work', async () => {
    const secret = generateClientSecret();
    const hash = await hashSecret(secret);
    const [, , , , salt, key] = PHC.exec(hash)!;
    for (const bad of [
      '',
      'plain-text-secret',
      secret,
      hash.replace('$scrypt$', '$argon2id$'),
      `$scrypt$ln=30,r=8,p=1$${salt}$${key}`, // 2^30 × 8 × 128 bytes: 1 TiB of memory if honoured
      `$scrypt$ln=14,r=8,p=99$${salt}$${key}`,
      `$scrypt$ln=0,r=8,p=1$${salt}$${key}`,
      `$scrypt$ln=14,r=8,p=1$${salt}$`,
      `${hash}$extra`,
    ]) {
      assert.equal(await verifySecret(secret, bad), false, bad);
    }
  });

  it('also verify with different (bounded) parameters, so they can be raised later', async () => {
    // A hash made with ln=10 by hand: the parameters come from the string, not from the current defaults.
    const { scryptSync, randomBytes } = await import('node:crypto');
    const salt = randomBytes(16);
    const key = scryptSync('tbs_old', salt, 32, { N: 1024, r: 8, p: 1 });
    const hash = `$scrypt$ln=10,r=8,p=1$${salt.toString('base64url')}$${key.toString('base64url')}`;
    assert.equal(await verifySecret('tbs_old', hash), true);
    assert.equal(await verifySecret('tbs_new', hash), false);
  });

  it('are never stored in clear: the database files do not contain them', async () => {
    const dir = await tempDir();
    const ctx = await openAdminContext(dir);
    const secrets = [ctx.createdAdminSecret!];
    try {
      for (const name of ['bot-1', 'bot-2']) {
        const secret = generateClientSecret();
        secrets.push(secret);
        const p = await ctx.store.createPrincipal(name, { secretHash: await hashSecret(secret) });
        const rotated = generateClientSecret();
        secrets.push(rotated);
        await ctx.store.addSecret(p.applicationId, await hashSecret(rotated));
      }
    } finally {
      await ctx.close();
    }
    assert.equal(secrets.length, 5);
    const files = (await readdir(dir)).filter((f) => f.startsWith('catalog.db'));
    assert.ok(files.includes('catalog.db'));
    const bytes = Buffer.concat(await Promise.all(files.map((f) => readFile(path.join(dir, f)))));
    for (const secret of secrets) {
      assert.equal(bytes.includes(secret), false, 'secret found in the database files');
      assert.equal(bytes.includes(secret.slice(CLIENT_SECRET_PREFIX.length)), false);
    }
    assert.ok(bytes.includes('$scrypt$ln=14,r=8,p=1$'), 'the hashes are there');
  });

  it('report how long hashing and verifying take (printed, not asserted)', async () => {
    const started = performance.now();
    const hash = await hashSecret('tbs_x');
    const hashed = performance.now();
    await verifySecret('tbs_x', hash);
    const verified = performance.now();
    console.log(`scrypt ln=14: hash ${(hashed - started).toFixed(1)} ms, verify ${(verified - hashed).toFixed(1)} ms`);
  });
});
