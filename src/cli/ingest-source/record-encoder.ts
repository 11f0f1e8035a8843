/**
 * Input records (as JSON text) → stream payloads, checked first against the table with the server's own
 * JSON rules, so a bad record is reported by its line before anything of it is sent.
 *
 * JSON streams send the text itself. PROTO streams encode it with a message loaded from a `.proto` file
 * (field names kept as written); keys the message has no field for are refused rather than dropped.
 */
import protobuf from 'protobufjs';
import type { Column } from '../../catalog/types.js';
import { TributaryError } from '../../errors.js';
import { compileJsonDecoder, type JsonDecoder } from '../../ingest/json-decoder.js';
import { RowBatch } from '../../ingest/row-batch.js';
import { parseRecordError } from './line-locator.js';
import { SourceError } from './source-error.js';

/** What one record becomes on the wire. */
export type Payload = string | Uint8Array;

/** Encodes the records of one input. */
export interface RecordEncoder {
  /** The payload for the record `json` read at `line`; throws {@link SourceError} when it does not fit. */
  encode(json: string, line: number): Payload;
}

/** Rows validated into scratch space are dropped every this many records. */
const SCRATCH_ROWS = 1024;

/** The table's JSON record rules, applied to one record at a time. */
class TableCheck {
  private readonly decoder: JsonDecoder;
  private readonly scratch: RowBatch;

  /** Throws `TributaryError` when a column cannot be ingested at all (the server would refuse the stream). */
  constructor(columns: readonly Column[]) {
    this.decoder = compileJsonDecoder(columns);
    this.scratch = new RowBatch(columns);
  }

  check(json: string, line: number): void {
    if (this.scratch.rowCount >= SCRATCH_ROWS) this.scratch.clear();
    try {
      this.decoder.decode(json, this.scratch, BigInt(line));
    } catch (e) {
      if (!(e instanceof TributaryError)) throw e;
      throw new SourceError(line, parseRecordError(e.message)?.detail ?? e.message);
    }
  }
}

/**
 * The check for `columns`, or none when `validate` is off (the server still validates every record, and
 * its errors are mapped back to lines; skipping the local check only saves client CPU).
 */
function tableCheck(columns: readonly Column[], validate: boolean): TableCheck | undefined {
  return validate ? new TableCheck(columns) : undefined;
}

/** Records sent as JSON text. */
export function jsonRecordEncoder(columns: readonly Column[], validate = true): RecordEncoder {
  const table = tableCheck(columns, validate);
  return {
    encode(json, line) {
      table?.check(json, line);
      return json;
    },
  };
}

/** Records encoded as `type` messages. */
export function protoRecordEncoder(columns: readonly Column[], type: protobuf.Type, validate = true): RecordEncoder {
  const table = tableCheck(columns, validate);
  type.root.resolveAll();
  return {
    encode(json, line) {
      table?.check(json, line);
      let object: Record<string, unknown>;
      try {
        object = JSON.parse(json) as Record<string, unknown>;
      } catch (e) {
        throw new SourceError(line, `not valid JSON (${(e as Error).message})`);
      }
      if (typeof object !== 'object' || object === null || Array.isArray(object)) {
        throw new SourceError(line, 'expected a JSON object with one key per column');
      }
      const unknown = unknownField(type, object, '');
      if (unknown !== undefined) {
        throw new SourceError(line, `field ${unknown} has no field in message ${type.name} of the .proto file`);
      }
      return type.encode(type.fromObject(object)).finish();
    },
  };
}

/** The path of the first key in `object` (or in nested messages) that `type` has no field for. */
function unknownField(type: protobuf.Type, object: Record<string, unknown>, prefix: string): string | undefined {
  for (const [key, value] of Object.entries(object)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const field = type.fields[key];
    if (!field) return path;
    const nested = field.resolvedType;
    if (!(nested instanceof protobuf.Type) || value === null || typeof value !== 'object') continue;
    const values = field.map ? Object.values(value) : Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (v !== null && typeof v === 'object') {
        const found = unknownField(nested, v as Record<string, unknown>, path);
        if (found !== undefined) return found;
      }
    }
  }
  return undefined;
}

/** Loads `messageName` from `protoFile`, keeping field names as written (they must match column names). */
export function loadMessageType(protoFile: string, messageName: string): protobuf.Type {
  const root = new protobuf.Root().loadSync(protoFile, { keepCase: true });
  return root.lookupType(messageName);
}
