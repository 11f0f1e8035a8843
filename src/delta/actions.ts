/**
 * Delta log actions as they appear on disk (one JSON object per line, keyed by the action name), the log's
 * file names, and the encoding of a commit. Field names follow PROTOCOL.md exactly.
 */
import { TributaryError } from '../errors.js';

export interface ProtocolAction {
  readonly minReaderVersion: number;
  readonly minWriterVersion: number;
  /** Present exactly when minReaderVersion is 3. */
  readonly readerFeatures?: readonly string[];
  /** Present exactly when minWriterVersion is 7. */
  readonly writerFeatures?: readonly string[];
}

export interface MetadataAction {
  readonly id: string;
  readonly name: string | null;
  readonly description: string | null;
  readonly format: { readonly provider: string; readonly options: Readonly<Record<string, string>> };
  readonly schemaString: string;
  readonly partitionColumns: readonly string[];
  readonly configuration: Readonly<Record<string, string>>;
  readonly createdTime: number | null;
}

export interface AddFile {
  /** Relative, URL-encoded path of the data file. */
  readonly path: string;
  readonly partitionValues: Readonly<Record<string, string | null>>;
  readonly size: number;
  readonly modificationTime: number;
  readonly dataChange: boolean;
  /** JSON string of {@link import('./stats.js').FileStats}. */
  readonly stats?: string;
  readonly tags?: Readonly<Record<string, string>> | null;
}

export interface RemoveFile {
  readonly path: string;
  readonly deletionTimestamp: number | null;
  readonly dataChange: boolean;
  readonly extendedFileMetadata?: boolean;
  readonly partitionValues?: Readonly<Record<string, string | null>>;
  readonly size?: number;
}

export interface TxnAction {
  readonly appId: string;
  readonly version: number;
  readonly lastUpdated?: number;
}

export interface CommitInfo {
  readonly timestamp: number;
  readonly operation: string;
  readonly operationParameters: Readonly<Record<string, unknown>>;
  readonly engineInfo?: string;
  readonly [extra: string]: unknown;
}

/** One line of a commit file. Actions this writer does not know are dropped when reading. */
export type Action =
  | { readonly protocol: ProtocolAction }
  | { readonly metaData: MetadataAction }
  | { readonly add: AddFile }
  | { readonly remove: RemoveFile }
  | { readonly txn: TxnAction }
  | { readonly commitInfo: CommitInfo };

const KNOWN_ACTIONS = new Set(['protocol', 'metaData', 'add', 'remove', 'txn', 'commitInfo']);

/** Reported in commitInfo so table history says who wrote. */
export const ENGINE_INFO = 'tributary/0.1.0';

export const LOG_DIR = '_delta_log/';
export const LAST_CHECKPOINT_KEY = `${LOG_DIR}_last_checkpoint`;

/** `_delta_log/00000000000000000042.json` */
export function commitKey(version: number): string {
  return `${LOG_DIR}${padVersion(version)}.json`;
}

/** `_delta_log/00000000000000000040.checkpoint.parquet` (a classic, single-file V1 checkpoint). */
export function checkpointKey(version: number): string {
  return `${LOG_DIR}${padVersion(version)}.checkpoint.parquet`;
}

/**
 * `_delta_log/00000000000000000040`: sorts after every log file of earlier versions and before those of
 * this version, so listing "after" it starts at this version (a checkpoint included).
 */
export function versionPrefix(version: number): string {
  return `${LOG_DIR}${padVersion(version)}`;
}

function padVersion(version: number): string {
  if (!Number.isSafeInteger(version) || version < 0) throw new RangeError(`invalid table version ${version}`);
  return String(version).padStart(20, '0');
}

/** What a file in `_delta_log/` is, from its key. */
export type LogFile =
  | { readonly kind: 'commit'; readonly version: number }
  | { readonly kind: 'checkpoint'; readonly version: number }
  | { readonly kind: 'other' };

const COMMIT_NAME = /^_delta_log\/(\d{20})\.json$/;
const CHECKPOINT_NAME = /^_delta_log\/(\d{20})\.checkpoint\.parquet$/;

export function parseLogKey(key: string): LogFile {
  const commit = COMMIT_NAME.exec(key);
  if (commit) return { kind: 'commit', version: Number(commit[1]) };
  const checkpoint = CHECKPOINT_NAME.exec(key);
  if (checkpoint) return { kind: 'checkpoint', version: Number(checkpoint[1]) };
  return { kind: 'other' };
}

/** Serialises a commit: newline-delimited JSON, one action per line. */
export function encodeCommit(actions: readonly Action[]): Uint8Array {
  return Buffer.from(actions.map((a) => JSON.stringify(a)).join('\n') + '\n', 'utf8');
}

/** Parses a commit file; `version` only names the file in errors. */
export function decodeCommit(bytes: Uint8Array, version: number): Action[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const actions: Action[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new TributaryError('internal', `Delta log version ${version} holds a line that is not JSON`);
    }
    if (parsed === null || typeof parsed !== 'object') continue;
    const [name] = Object.keys(parsed);
    if (name !== undefined && KNOWN_ACTIONS.has(name)) actions.push(parsed as Action);
  }
  return actions;
}

/** The `_last_checkpoint` pointer. */
export interface LastCheckpoint {
  readonly version: number;
  readonly size: number;
  readonly sizeInBytes?: number;
  readonly numOfAddFiles?: number;
}

/** The file name a data file's relative path is stored under: Delta stores paths URL-encoded. */
export function encodeDataPath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

/** The storage key of an `add`/`remove` path (relative paths only: we never write absolute ones). */
export function dataKey(actionPath: string): string {
  return decodeURIComponent(actionPath);
}
