/**
 * Client secrets: generation, hashing for storage, verification.
 *
 * Hashes use scrypt from `node:crypto` (memory-hard, no native dependency) in the PHC string format
 * `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>` (unpadded base64), so the parameters travel with each hash
 * and can be raised later without invalidating existing secrets.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** Prefix that makes leaked secrets recognisable to secret scanners and to people. */
export const CLIENT_SECRET_PREFIX = 'tbs_';

const SECRET_BYTES = 32;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** N = 2^14, r = 8, p = 1: the parameters recommended for interactive logins; about 16 MiB per hash. */
const DEFAULT_PARAMS: ScryptParams = { ln: 14, r: 8, p: 1 };
/** Bounds on parameters read back from a stored hash, so a corrupted row cannot exhaust memory or CPU. */
const MAX_PARAMS: ScryptParams = { ln: 20, r: 32, p: 16 };

interface ScryptParams {
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

function scrypt(secret: string, salt: Buffer, keylen: number, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.ln;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scryptCallback(secret, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** A new client secret: 256 random bits, base64url, with the {@link CLIENT_SECRET_PREFIX}. */
export function generateClientSecret(): string {
  return CLIENT_SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64url');
}

/** Hashes a secret with a fresh random salt; the result is safe to store. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(secret, salt, KEY_BYTES, DEFAULT_PARAMS);
  const { ln, r, p } = DEFAULT_PARAMS;
  return `$scrypt$ln=${ln},r=${r},p=${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

const HASH_FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{16,})$/;

function parseHash(hash: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const m = HASH_FORMAT.exec(hash);
  if (!m) return undefined;
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (params.ln < 1 || params.r < 1 || params.p < 1) return undefined;
  if (params.ln > MAX_PARAMS.ln || params.r > MAX_PARAMS.r || params.p > MAX_PARAMS.p) return undefined;
  return { params, salt: Buffer.from(m[4]!, 'base64url'), key: Buffer.from(m[5]!, 'base64url') };
}

/**
 * True when `secret` matches `hash`. The comparison is constant-time; a malformed hash is simply no match.
 */
export async function verifySecret(secret: string, hash: string): Promise<boolean> {
  const parsed = parseHash(hash);
  if (!parsed) return false;
  const key = await scrypt(secret, parsed.salt, parsed.key.length, parsed.params);
  return timingSafeEqual(key, parsed.key);
}
