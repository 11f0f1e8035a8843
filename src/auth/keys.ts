/**
 * The server's token-signing key: an Ed25519 key pair generated on first start and kept as a private JWK in
 * the data directory, so tokens stay valid across restarts.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

/** The JWS algorithm of every token Tributary issues; verification accepts nothing else. */
export const SIGNING_ALG = 'EdDSA';

/** A loaded signing key pair. */
export interface SigningKey {
  /** JWK thumbprint of the public key (RFC 7638), written into each token's header. */
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

/**
 * Loads the signing key from `file`, creating it (file mode 0600, directory 0700) if it does not exist.
 * Two processes starting at once end up with the same key: the file is published with a hard link, which
 * fails if another process got there first, and the loser reads the winner's key.
 */
export async function loadOrCreateSigningKey(file: string): Promise<SigningKey> {
  const existing = await readKeyFile(file);
  if (existing) return existing;

  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicPart(jwk));
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(temp, `${JSON.stringify({ ...jwk, kid, alg: SIGNING_ALG, use: 'sig' })}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  try {
    await fs.link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await fs.rm(temp, { force: true });
  }
  const created = await readKeyFile(file);
  if (!created) throw new Error(`signing key ${file} vanished right after it was written`);
  return created;
}

async function readKeyFile(file: string): Promise<SigningKey | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    throw new Error(`signing key ${file} is not valid JSON; remove it to generate a new key (issued tokens become invalid)`);
  }
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string') {
    throw new Error(`signing key ${file} is not an Ed25519 private JWK`);
  }
  const privateKey = (await importJWK(jwk, SIGNING_ALG)) as CryptoKey;
  const publicKey = (await importJWK(publicPart(jwk), SIGNING_ALG)) as CryptoKey;
  const kid = typeof jwk.kid === 'string' ? jwk.kid : await calculateJwkThumbprint(publicPart(jwk));
  return { kid, privateKey, publicKey };
}

function publicPart(jwk: JWK): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
}
