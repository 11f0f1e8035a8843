/**
 * Fixtures for catalog tests: a real SQLite store in a fresh temporary directory, and small builders.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import type { CatalogStore, Principal } from '../../../src/catalog/model.js';
import { openSqliteStore } from '../../../src/catalog/sqlite-store.js';
import type { Column, DataType } from '../../../src/catalog/types.js';

/** A temporary directory removed when the test file finishes. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tributary-catalog-'));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A store on a new database file; closed when the test file finishes. */
export async function tempStore(): Promise<{ store: CatalogStore; file: string; dir: string }> {
  const dir = await tempDir();
  const file = path.join(dir, 'catalog.db');
  const store = openSqliteStore(file);
  after(() => store.close());
  return { store, file, dir };
}

export function cols(...specs: [string, DataType][]): Column[] {
  return specs.map(([name, type], position) => ({ name, type, nullable: true, position }));
}

/** A principal row with a placeholder hash (tests that need real secrets hash them). */
export function principal(store: CatalogStore, name: string, admin = false): Promise<Principal> {
  return store.createPrincipal(name, { admin, secretHash: '$scrypt$placeholder' });
}
