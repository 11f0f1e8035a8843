/**
 * Reading a table's current state: `_last_checkpoint` → the newest checkpoint → the JSON commits after it.
 * Only the commits after the checkpoint are listed and read, so tables with very long logs load quickly.
 */
import { TributaryError } from '../errors.js';
import {
  LAST_CHECKPOINT_KEY,
  LOG_DIR,
  checkpointKey,
  commitKey,
  decodeCommit,
  parseLogKey,
  versionPrefix,
  type Action,
  type LastCheckpoint,
} from './actions.js';
import { decodeCheckpoint } from './checkpoint.js';
import { objectStoreFor, type ObjectStore } from './object-store.js';
import { TableState, type Snapshot } from './table-state.js';

/** Commit files read at once when catching up. */
const READ_CONCURRENCY = 16;

/** The current snapshot of the Delta table at `location` (a `file://` URL) or in `store`. */
export async function loadSnapshot(location: string | ObjectStore): Promise<Snapshot> {
  const store = typeof location === 'string' ? objectStoreFor(location) : location;
  return (await loadTableState(store)).snapshot();
}

/** The reconciled state at the latest version; writers keep it and advance it with {@link catchUp}. */
export async function loadTableState(store: ObjectStore): Promise<TableState> {
  const hint = await readLastCheckpoint(store);
  let listing = await listLog(store, hint ? versionPrefix(hint.version) : undefined);
  let checkpoint = newestCheckpoint(listing);
  if (hint && checkpoint === undefined) {
    // The pointer names a checkpoint that is gone (cleaned up, or never finished): list the whole log.
    listing = await listLog(store, undefined);
    checkpoint = newestCheckpoint(listing);
  }

  const state = new TableState();
  if (checkpoint !== undefined) {
    const bytes = await store.get(checkpointKey(checkpoint));
    if (bytes === undefined) throw new TributaryError('unavailable', `checkpoint ${checkpoint} vanished while reading`);
    state.loadCheckpoint(checkpoint, decodeCheckpoint(bytes));
  }
  const versions = listing
    .map(parseLogKey)
    .flatMap((f) => (f.kind === 'commit' && f.version > state.version ? [f.version] : []));
  if (versions.length === 0 && checkpoint === undefined) {
    throw new TributaryError('not_found', 'no Delta table at this location (empty _delta_log)');
  }
  versions.forEach((v, i) => {
    if (v !== state.version + 1 + i) {
      throw new TributaryError('internal', `Delta log is missing version ${state.version + 1 + i}`);
    }
  });
  const commits = await readCommits(store, versions);
  commits.forEach((actions, i) => state.apply(versions[i]!, actions));
  return state;
}

/**
 * Applies the commits written after `state.version` (by other writers) and returns them, in order, so a
 * writer that lost a commit race can check what the winners did.
 */
export async function catchUp(store: ObjectStore, state: TableState): Promise<{ version: number; actions: Action[] }[]> {
  const applied: { version: number; actions: Action[] }[] = [];
  for (;;) {
    const version = state.version + 1;
    const bytes = await store.get(commitKey(version));
    if (bytes === undefined) return applied;
    const actions = decodeCommit(bytes, version);
    state.apply(version, actions);
    applied.push({ version, actions });
  }
}

async function readLastCheckpoint(store: ObjectStore): Promise<LastCheckpoint | undefined> {
  const bytes = await store.get(LAST_CHECKPOINT_KEY);
  if (bytes === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as LastCheckpoint;
    return Number.isSafeInteger(parsed.version) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function listLog(store: ObjectStore, after: string | undefined): Promise<string[]> {
  const objects = await store.list(LOG_DIR, after === undefined ? {} : { after });
  return objects.map((o) => o.key);
}

function newestCheckpoint(keys: readonly string[]): number | undefined {
  let newest: number | undefined;
  for (const key of keys) {
    const f = parseLogKey(key);
    if (f.kind === 'checkpoint' && (newest === undefined || f.version > newest)) newest = f.version;
  }
  return newest;
}

async function readCommits(store: ObjectStore, versions: readonly number[]): Promise<Action[][]> {
  const out: Action[][] = new Array<Action[]>(versions.length);
  let next = 0;
  const worker = async () => {
    while (next < versions.length) {
      const i = next++;
      const version = versions[i]!;
      const bytes = await store.get(commitKey(version));
      if (bytes === undefined) throw new TributaryError('internal', `Delta log version ${version} vanished while reading`);
      out[i] = decodeCommit(bytes, version);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, versions.length) }, worker));
  return out;
}
