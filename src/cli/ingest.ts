/**
 * `tributary ingest FILE --table c.s.t`: streams a JSON Lines or CSV file (or stdin) into a table through
 * the Zerobus SDK, the way a producer would: batches of records with `ingestRecordsOffset`, one flush at
 * the end. Input is read as it is sent, so memory stays bounded by the in-flight window.
 *
 * Every record is first checked with the server's own JSON rules, so a bad record stops the run naming its
 * line before it is sent; records before it are sent and acknowledged. Should the server still refuse a
 * record, its error names the message offset and batch index, which are mapped back to the line.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Column } from '../catalog/types.js';
import { TributaryError } from '../errors.js';
import { loadDescriptorProto, RecordType, ZerobusError, ZerobusSdk } from '../sdk/index.js';
import type { ZerobusStream } from '../sdk/stream.js';
import { addConnectionOptions, MissingSettingError, resolveConnection, type Connection } from './connection-options.js';
import { csvRecordBuilder } from './ingest-source/csv-values.js';
import { FormatError, resolveFormat, type IngestFormat } from './ingest-source/format.js';
import { OffsetLines, parseRecordError } from './ingest-source/line-locator.js';
import { NO_PROGRESS, progressBar, type ProgressSink } from './ingest-source/progress.js';
import { csvRows, jsonLines } from './ingest-source/read-records.js';
import {
  jsonRecordEncoder,
  loadMessageType,
  protoRecordEncoder,
  type Payload,
  type RecordEncoder,
} from './ingest-source/record-encoder.js';
import { SourceError } from './ingest-source/source-error.js';
import { fetchTable, fetchToken, tableColumns, UcRequestError } from './uc-client.js';

/** The text of the input, and how much of it has been read. */
export interface IngestInput {
  /** `data.jsonl`, or `stdin`: how errors name the input. */
  readonly name: string;
  readonly chunks: AsyncIterable<string>;
  /** Size in bytes, when known (files). */
  readonly size: number | undefined;
  bytesRead(): number;
}

/** Everything `runIngest` needs, resolved. */
export interface IngestRequest extends Connection {
  /** `catalog.schema.table`. */
  readonly table: string;
  readonly input: IngestInput;
  readonly format: IngestFormat;
  /** For PROTO records: the `.proto` file and the message to encode with. */
  readonly proto?: { readonly file: string; readonly message: string };
  /** Records per ingest call. */
  readonly batchSize: number;
  /** Check each record locally before sending (the server checks it either way). */
  readonly validate: boolean;
  readonly progress: ProgressSink;
}

/** What a completed run did. */
export interface IngestSummary {
  readonly rows: number;
  readonly seconds: number;
}

/** A run that stopped: the message names the input line when a record caused it. */
export class IngestError extends Error {
  override readonly name = 'IngestError';

  constructor(
    message: string,
    /** Rows acknowledged before the run stopped. */
    readonly rowsAcked: number,
  ) {
    super(message);
  }
}

/** Unacknowledged ingest calls allowed at once: bounds memory and the offsets remembered for errors. */
const IN_FLIGHT_BATCHES = 64;
/** A batch is sent once its JSON text reaches this many characters (at most 3 bytes each, far below 10 MiB). */
const BATCH_CHARS = 2 * 1024 * 1024;
/** A batch is sent once its protobuf records reach this many bytes. */
const BATCH_BYTES = 4 * 1024 * 1024;

/** Streams the input into the table; resolves with the row count, or rejects with an {@link IngestError}. */
export async function runIngest(request: IngestRequest): Promise<IngestSummary> {
  const { ucEndpoint, zerobusEndpoint, clientId, clientSecret } = request;
  let columns: Column[];
  try {
    const token = await fetchToken(ucEndpoint, request);
    columns = tableColumns(await fetchTable(ucEndpoint, token, request.table));
  } catch (e) {
    throw asIngestError(e, 0);
  }
  const encoder = recordEncoder(request, columns);
  const sdk = new ZerobusSdk(zerobusEndpoint, ucEndpoint);
  try {
    let stream: ZerobusStream;
    try {
      stream = await sdk.createStream(
        request.proto === undefined
          ? { tableName: request.table }
          : { tableName: request.table, descriptorProto: loadDescriptorProto(request.proto.file, request.proto.message) },
        clientId,
        clientSecret,
        {
          recordType: request.format.records === 'proto' ? RecordType.Proto : RecordType.Json,
          maxInflightRequests: IN_FLIGHT_BATCHES,
        },
      );
    } catch (e) {
      throw asIngestError(e, 0);
    }
    const started = performance.now();
    const sender = new BatchSender(stream, request);
    await sender.run(inputRecords(request, columns), encoder);
    return { rows: sender.rows, seconds: (performance.now() - started) / 1000 };
  } finally {
    request.progress.stop();
    sdk.close();
  }
}

function recordEncoder(request: IngestRequest, columns: readonly Column[]): RecordEncoder {
  try {
    return request.proto === undefined
      ? jsonRecordEncoder(columns, request.validate)
      : protoRecordEncoder(columns, loadMessageType(request.proto.file, request.proto.message), request.validate);
  } catch (e) {
    if (e instanceof TributaryError) throw new IngestError(`table ${request.table}: ${e.message}`, 0);
    throw new IngestError(`cannot use ${request.proto?.file ?? 'the schema'}: ${(e as Error).message}`, 0);
  }
}

/** The input's records as JSON text with their lines; CSV rows are converted by the column types. */
async function* inputRecords(request: IngestRequest, columns: readonly Column[]): AsyncGenerator<{ line: number; json: string }> {
  if (request.format.input === 'jsonl') {
    for await (const line of jsonLines(request.input.chunks)) yield { line: line.number, json: line.text };
    return;
  }
  let builder: ReturnType<typeof csvRecordBuilder> | undefined;
  for await (const row of csvRows(request.input.chunks)) {
    if (builder === undefined) builder = csvRecordBuilder(row, columns);
    else yield { line: row.line, json: JSON.stringify(builder.toRecord(row)) };
  }
}

/** Groups records into ingest calls, counts acknowledgements and remembers which lines each offset carried. */
class BatchSender {
  rows = 0;
  private acked = 0;
  private failure: unknown;
  private payloads: Payload[] = [];
  private lines: number[] = [];
  private size = 0;
  private readonly offsets = new OffsetLines();

  constructor(
    private readonly stream: ZerobusStream,
    private readonly request: IngestRequest,
  ) {}

  /**
   * Sends every record, flushes and closes the stream. On a bad record, what was read before it is still
   * sent and acknowledged, then the record's line is reported.
   */
  async run(records: AsyncIterable<{ line: number; json: string }>, encoder: RecordEncoder): Promise<void> {
    let stop: unknown;
    try {
      for await (const { line, json } of records) {
        this.add(encoder.encode(json, line), line);
        if (this.payloads.length >= this.request.batchSize || this.size >= this.batchLimit()) await this.send();
      }
    } catch (e) {
      stop = e;
    }
    try {
      await this.send();
      await this.stream.flush();
    } catch (e) {
      this.failure ??= e;
    }
    await this.stream.close().catch((e: unknown) => (this.failure ??= e));
    this.report();
    if (this.failure !== undefined) throw this.streamError(this.failure);
    if (stop !== undefined) throw asIngestError(stop, this.acked, this.request.input.name);
  }

  private batchLimit(): number {
    return this.request.format.records === 'proto' ? BATCH_BYTES : BATCH_CHARS;
  }

  private add(payload: Payload, line: number): void {
    this.payloads.push(payload);
    this.lines.push(line);
    this.size += payload.length;
  }

  private async send(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (this.payloads.length === 0) return;
    const payloads = this.payloads;
    const lines = this.lines;
    this.payloads = [];
    this.lines = [];
    this.size = 0;
    const offset = await this.stream.ingestRecordsOffset(payloads);
    if (offset === null) return;
    this.offsets.record(offset, lines);
    this.rows += payloads.length;
    this.stream.waitForOffset(offset).then(
      () => {
        this.acked += payloads.length;
        this.offsets.forget(offset);
        this.report();
      },
      (e: unknown) => (this.failure ??= e),
    );
    this.report();
  }

  private report(): void {
    this.request.progress.update({ rows: this.rows, acked: this.acked, bytes: this.request.input.bytesRead() });
  }

  /** The stream's failure, located at the input line when it is about one record. */
  private streamError(error: unknown): IngestError {
    const position = error instanceof ZerobusError ? parseRecordError(error.message) : undefined;
    const line = position && this.offsets.lineOf(position.offset, position.index);
    if (position && line !== undefined) {
      return new IngestError(`${this.request.input.name} line ${line}: ${position.detail} (refused by the server)`, this.acked);
    }
    return asIngestError(error, this.acked, this.request.input.name);
  }
}

function asIngestError(error: unknown, rowsAcked: number, inputName?: string): IngestError {
  if (error instanceof IngestError) return error;
  if (error instanceof SourceError) return new IngestError(`${inputName ?? 'input'} ${error.message}`, rowsAcked);
  if (error instanceof ZerobusError || error instanceof UcRequestError || error instanceof TributaryError) {
    return new IngestError(error.message, rowsAcked);
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && inputName !== undefined) return new IngestError(`cannot read ${inputName}: ${(error as Error).message}`, rowsAcked);
  throw error;
}

interface Flags {
  table: string;
  format?: string;
  proto?: string;
  message?: string;
  batchSize: string;
  progress: boolean;
  validate: boolean;
  zerobusEndpoint?: string;
  ucEndpoint?: string;
  clientId?: string;
  clientSecret?: string;
}

/** Opens `file` (or stdin for `-`) as UTF-8 text. */
async function openInput(file: string): Promise<IngestInput> {
  if (file === '-') {
    process.stdin.setEncoding('utf8');
    return { name: 'stdin', chunks: process.stdin, size: undefined, bytesRead: () => 0 };
  }
  const info = await stat(file);
  if (!info.isFile()) throw new Error(`${file} is not a file`);
  // Lines are slices of the chunk they came from and stay referenced until acknowledged: small chunks keep
  // the in-flight window from pinning megabytes of input per batch.
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 });
  return { name: file, chunks: stream, size: info.size, bytesRead: () => stream.bytesRead };
}

function usage(message: string): never {
  process.stderr.write(`tributary ingest: ${message}\n`);
  process.exit(2);
}

export function register(program: Command): void {
  const command = program
    .command('ingest')
    .description('stream a JSON Lines or CSV file (or - for stdin) into a table through the Zerobus SDK')
    .argument('<file>', 'input file (.jsonl/.ndjson/.json or .csv), or - for stdin')
    .requiredOption('--table <catalog.schema.table>', 'target table')
    .option('--format <format>', 'json, csv or proto (default: from the file extension; stdin is json)')
    .option('--proto <file.proto>', 'encode records as protobuf with this schema (see generate-proto)')
    .option('--message <name>', 'message in --proto to encode with (default: the table name)')
    .option('--batch-size <n>', 'records per ingest call', '1000')
    .option('--no-validate', 'skip the local check of each record (the server still refuses bad records)')
    .option('--no-progress', 'no progress bar (it is shown only when stderr is a terminal)');
  addConnectionOptions(command, ['zerobusEndpoint', 'ucEndpoint', 'clientId', 'clientSecret']).action(
    async (file: string, flags: Flags) => {
      let connection: Connection;
      let format: IngestFormat;
      try {
        connection = resolveConnection(flags, process.env, ['zerobusEndpoint', 'ucEndpoint', 'clientId', 'clientSecret']);
        format = resolveFormat(file, flags.format, flags.proto);
      } catch (e) {
        if (e instanceof MissingSettingError || e instanceof FormatError) usage(e.message);
        throw e;
      }
      const batchSize = Number(flags.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1) usage(`--batch-size must be a positive integer, got ${flags.batchSize}`);
      let input: IngestInput;
      try {
        input = await openInput(file);
      } catch (e) {
        process.stderr.write(`tributary ingest: cannot read ${file}: ${(e as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      const progress = flags.progress && process.stderr.isTTY ? progressBar(process.stderr, input.size) : NO_PROGRESS;
      const proto = flags.proto === undefined ? undefined : { file: flags.proto, message: flags.message ?? flags.table.slice(flags.table.lastIndexOf('.') + 1) };
      try {
        const summary = await runIngest({
          ...connection,
          table: flags.table,
          input,
          format,
          batchSize,
          validate: flags.validate,
          progress,
          ...(proto ? { proto } : {}),
        });
        const rate = summary.seconds > 0 ? Math.round(summary.rows / summary.seconds) : summary.rows;
        process.stdout.write(
          `Ingested ${summary.rows.toLocaleString('en-US')} rows into ${flags.table} in ${summary.seconds.toFixed(2)} s (${rate.toLocaleString('en-US')} rows/s)\n`,
        );
      } catch (e) {
        if (!(e instanceof IngestError)) throw e;
        const acked = e.rowsAcked === 1 ? '1 row was' : `${e.rowsAcked.toLocaleString('en-US')} rows were`;
        process.stderr.write(`tributary ingest: ${e.message}\n${acked} acknowledged before the error.\n`);
        process.exitCode = 1;
      }
    },
  );
}
