/**
 * The WAL's identity, `<dir>/wal.json`: a stable random id (the Delta `txn.appId` of the table's commits) and
 * the secret seed of its frame checksums. Created once, atomically; never re-created while segments exist,
 * because a new id would make the Delta layer commit already-committed frames again.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { open, readdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { TributaryError } from '../errors.js';
import type { DurabilityOps } from './durability.js';
import { isCanonicalUuid, parseSegmentFileName } from './segment-format.js';

export const IDENTITY_FILE = 'wal.json';
const IDENTITY_FORMAT = 1;

export interface WalIdentity {
  /** Lowercase UUID, stable for the life of the table's WAL. */
  readonly walId: string;
  /** Starting value of every frame checksum (see frame.ts for why it is secret). */
  readonly checksumSeed: number;
}

/** Reads `<dir>/wal.json`, creating it if the directory holds no segments yet. */
export async function loadOrCreateIdentity(dir: string, durability: DurabilityOps): Promise<WalIdentity> {
  const file = path.join(dir, IDENTITY_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const segments = (await readdir(dir)).filter((name) => parseSegmentFileName(name) !== undefined);
    if (segments.length > 0) {
      throw new TributaryError(
        'internal',
        `WAL directory ${dir} has ${segments.length} segment(s) but no ${IDENTITY_FILE}; refusing to invent a new ` +
          `WAL id (the Delta commits of this table are keyed by it). Restore ${IDENTITY_FILE} from a backup.`,
      );
    }
    return createIdentity(dir, durability);
  }
  return parseIdentity(text, file);
}

async function createIdentity(dir: string, durability: DurabilityOps): Promise<WalIdentity> {
  const identity: WalIdentity = { walId: randomUUID(), checksumSeed: randomInt(0x1_0000_0000) };
  const file = path.join(dir, IDENTITY_FILE);
  const temp = `${file}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(`${JSON.stringify({ format: IDENTITY_FORMAT, ...identity })}\n`);
    await durability.syncData(handle);
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  await durability.syncDirectory(dir);
  return identity;
}

function parseIdentity(text: string, file: string): WalIdentity {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TributaryError('internal', `${file} is not valid JSON`);
  }
  const record = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const { format, walId, checksumSeed } = record;
  if (
    format !== IDENTITY_FORMAT ||
    typeof walId !== 'string' ||
    !isCanonicalUuid(walId) ||
    typeof checksumSeed !== 'number' ||
    !Number.isInteger(checksumSeed) ||
    checksumSeed < 0 ||
    checksumSeed > 0xffffffff
  ) {
    throw new TributaryError('internal', `${file} is not a format-${IDENTITY_FORMAT} WAL identity`);
  }
  return { walId, checksumSeed };
}
