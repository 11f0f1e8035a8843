/**
 * Compaction (OPTIMIZE): small data files are rewritten as one, committed as `remove` of the old files and
 * `add` of the new one, all with `dataChange: false` so streaming readers skip the commit. It runs beside
 * ingestion: only the final commit goes through the log, and appends never conflict with it.
 */
import { TributaryError } from '../errors.js';
import { ENGINE_INFO, dataKey, encodeDataPath, type Action, type AddFile } from './actions.js';
import type { ConflictCheck, DeltaLog } from './delta-log.js';
import { dataFileName, readParquetBatches, writeDataFile, type EncodedFile } from './parquet-file.js';
import type { ParquetWorkerPool } from './parquet-pool.js';
import { schemaFields } from './table-state.js';

export interface CompactionOptions {
  /** Compact only when at least this many small files exist. */
  readonly minFiles: number;
  /** Files at least this big are left alone. */
  readonly targetFileBytes?: number;
  /** Bytes read for one compaction (capped at the target size); the rest waits for the next round. */
  readonly maxInputBytes?: number;
  /**
   * Rows decoded for one compaction. Parquet bytes say little about memory (text-heavy rows decode to ten
   * times their compressed size, and compaction holds several copies), so the materializer bounds the rows
   * it merges by what they take in Arrow; a file of half this many rows or more counts as big enough.
   */
  readonly maxInputRows?: number;
  readonly now?: () => number;
}

export interface CompactionResult {
  readonly version: number;
  readonly filesRemoved: number;
  readonly bytesRemoved: number;
  readonly fileAdded: string;
  readonly bytesAdded: number;
}

const DEFAULT_TARGET_FILE_BYTES = 128 * 1024 * 1024;
const DEFAULT_MAX_INPUT_BYTES = 512 * 1024 * 1024;

/**
 * The small files to rewrite, smallest first and together at most about one target file (so a file that
 * grew by compaction is not rewritten over and over with a few new small ones), or none when there are too
 * few small files.
 */
export function pickFilesToCompact(files: readonly AddFile[], opts: CompactionOptions): AddFile[] {
  const target = opts.targetFileBytes ?? DEFAULT_TARGET_FILE_BYTES;
  const budget = Math.min(target, opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES);
  const maxRows = opts.maxInputRows;
  const counted = new Map<AddFile, number>();
  const rowsOf = (file: AddFile): number => {
    if (maxRows === undefined) return 0;
    let rows = counted.get(file);
    if (rows === undefined) counted.set(file, (rows = recordCount(file)));
    return rows;
  };
  const small = files
    .filter((f) => f.size < target && (maxRows === undefined || rowsOf(f) < maxRows / 2))
    .sort((a, b) => a.size - b.size || a.modificationTime - b.modificationTime);
  if (small.length < Math.max(2, opts.minFiles)) return [];
  const picked: AddFile[] = [];
  let bytes = 0;
  let rows = 0;
  for (const file of small) {
    if (picked.length >= 2 && (bytes + file.size > budget || rows + rowsOf(file) > (maxRows ?? Infinity))) break;
    picked.push(file);
    bytes += file.size;
    rows += rowsOf(file);
  }
  return picked.length >= 2 ? picked : [];
}

/**
 * A file's row count from its statistics, read without parsing them (a wide table's run to kilobytes per
 * file, and this runs after every commit); a file without them counts as too big to merge.
 */
function recordCount(file: AddFile): number {
  const match = file.stats === undefined ? null : NUM_RECORDS.exec(file.stats);
  return match === null ? Infinity : Number(match[1]);
}
const NUM_RECORDS = /"numRecords"\s*:\s*(\d+)/;

/** Compacts the table's small files once; undefined when there was nothing to do. */
export async function compactTable(
  log: DeltaLog,
  pool: ParquetWorkerPool | undefined,
  opts: CompactionOptions,
): Promise<CompactionResult | undefined> {
  const now = opts.now ?? Date.now;
  const snapshot = log.snapshot();
  const picked = pickFilesToCompact(snapshot.files, opts);
  if (picked.length === 0) return undefined;

  const fields = schemaFields(snapshot.metadata);
  const inputs = await Promise.all(
    picked.map(async (file) => {
      const bytes = await log.store.get(dataKey(file.path));
      if (bytes === undefined) throw new TributaryError('internal', `data file ${file.path} is missing`);
      return bytes;
    }),
  );
  const encoded: EncodedFile = pool
    ? await pool.compactFiles(fields, inputs)
    : writeDataFile(fields, inputs.flatMap(readParquetBatches), 'zstd', true);

  const name = dataFileName('zstd');
  await log.store.put(name, encoded.bytes);
  const timestamp = now();
  const actions: Action[] = [
    ...picked.map(
      (file): Action => ({
        remove: {
          path: file.path,
          deletionTimestamp: timestamp,
          dataChange: false,
          extendedFileMetadata: true,
          partitionValues: file.partitionValues,
          size: file.size,
        },
      }),
    ),
    {
      add: {
        path: encodeDataPath(name),
        partitionValues: {},
        size: encoded.bytes.byteLength,
        modificationTime: timestamp,
        dataChange: false,
        stats: encoded.stats,
      },
    },
    {
      commitInfo: {
        timestamp,
        operation: 'OPTIMIZE',
        operationParameters: { predicate: '[]', zOrderBy: '[]' },
        engineInfo: ENGINE_INFO,
        isBlindAppend: false,
      },
    },
  ];

  let outcome;
  try {
    outcome = await log.commit(actions, compactionCheck(new Set(picked.map((f) => f.path))));
  } catch (error) {
    // Only a judged conflict is certain not to have committed; after an I/O error the file may be referenced.
    if (error instanceof CompactionConflict) await log.store.delete(name);
    throw error;
  }
  return {
    version: outcome.version,
    filesRemoved: picked.length,
    bytesRemoved: picked.reduce((n, f) => n + f.size, 0),
    fileAdded: name,
    bytesAdded: encoded.bytes.byteLength,
  };
}

/** Another writer removed one of the files being compacted (a concurrent OPTIMIZE or a delete). */
export class CompactionConflict extends TributaryError {
  constructor(message: string) {
    super('failed_precondition', message);
  }
}

function compactionCheck(inputs: ReadonlySet<string>): ConflictCheck {
  return (winner) => {
    for (const action of winner) {
      if ('remove' in action && inputs.has(action.remove.path)) {
        throw new CompactionConflict(`compaction lost: ${action.remove.path} was removed by a concurrent commit`);
      }
      if ('metaData' in action || 'protocol' in action) {
        throw new CompactionConflict('compaction lost: the table metadata changed meanwhile');
      }
    }
    return 'retry';
  };
}
