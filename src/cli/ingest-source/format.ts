/**
 * Which input syntax a file has and how its records are sent, from `--format`, `--proto` and the file name.
 */
import path from 'node:path';

/** How the input is read and how records go on the wire. */
export interface IngestFormat {
  /** JSON Lines (one JSON object per line) or CSV with a header row. */
  readonly input: 'jsonl' | 'csv';
  /** JSON records, or protobuf messages encoded with a `.proto` file's message. */
  readonly records: 'json' | 'proto';
}

/** `--format` values. */
export type FormatFlag = 'json' | 'csv' | 'proto';

/** Flags or file names that do not determine a format. */
export class FormatError extends Error {
  override readonly name = 'FormatError';
}

const JSON_EXTENSIONS = new Set(['.jsonl', '.ndjson', '.json']);

/**
 * `--format json`: JSON Lines sent as JSON records; `--format csv`: CSV sent as JSON records, or as protobuf
 * when `--proto` is given; `--format proto`: JSON Lines encoded with `--proto`. Without `--format` the
 * extension decides (`.csv`, or `.jsonl` / `.ndjson` / `.json`); stdin (`-`) is JSON Lines.
 */
export function resolveFormat(file: string, flag: string | undefined, protoFile: string | undefined): IngestFormat {
  const proto = protoFile !== undefined;
  switch (flag) {
    case 'json':
      if (proto) throw new FormatError('--proto encodes records as protobuf: use --format proto (JSON Lines input) or --format csv');
      return { input: 'jsonl', records: 'json' };
    case 'csv':
      return { input: 'csv', records: proto ? 'proto' : 'json' };
    case 'proto':
      if (!proto) throw new FormatError('--format proto needs --proto <file.proto> (and --message if the message is not named after the table)');
      return { input: 'jsonl', records: 'proto' };
    case undefined:
      break;
    default:
      throw new FormatError(`unknown --format ${JSON.stringify(flag)}: use json, csv or proto`);
  }
  const records = proto ? 'proto' : 'json';
  if (file === '-') return { input: 'jsonl', records };
  const extension = path.extname(file).toLowerCase();
  if (extension === '.csv') return { input: 'csv', records };
  if (JSON_EXTENSIONS.has(extension)) return { input: 'jsonl', records };
  throw new FormatError(`cannot tell the format of ${file} from its name: pass --format json, csv or proto`);
}
