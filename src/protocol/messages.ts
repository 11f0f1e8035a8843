/**
 * The Zerobus `EphemeralStream` messages as TypeScript values, and the names the contract fixes (service
 * path, header names). The wire contract itself is `zerobus_service.proto` next to this file; `codec.ts`
 * turns these values into exactly those bytes and back.
 *
 * Each `oneof` is a discriminated union on `kind`, so a request is always exactly one of its arms. Fields the
 * contract makes optional and whose absence a peer must detect (`stream_id`, `durability_ack_up_to_offset`,
 * the close-signal duration) stay optional here; fields without which a message means nothing (a record's
 * offset, a create's table name) are required and their absence is a decode error.
 */

/** Fully qualified gRPC service name. */
export const ZEROBUS_SERVICE = 'databricks.zerobus.Zerobus';

/** HTTP/2 `:path` of the bidirectional ingest call. */
export const EPHEMERAL_STREAM_PATH = '/databricks.zerobus.Zerobus/EphemeralStream';

/** Request header naming the target table (`catalog.schema.table`). */
export const TABLE_NAME_HEADER = 'x-databricks-zerobus-table-name';

/** Request header carrying `Bearer <token>`. */
export const AUTHORIZATION_HEADER = 'authorization';

/** `databricks.zerobus.RecordType` wire values (not the SDK's `RecordType`, which numbers JSON 0 and PROTO 1). */
export const RecordType = {
  RECORD_TYPE_UNSPECIFIED: 0,
  PROTO: 1,
  JSON: 2,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** One record: a JSON object as text, or a protobuf-encoded message (a view, never copied on decode). */
export type WireRecordPayload =
  | { readonly kind: 'json'; readonly json: string }
  | { readonly kind: 'proto'; readonly bytes: Uint8Array };

/** Several records of one kind sent under one offset. */
export type WireRecordBatch =
  | { readonly kind: 'json'; readonly records: readonly string[] }
  | { readonly kind: 'proto'; readonly records: readonly Uint8Array[] };

/** `create_stream`: the first message of every call. */
export interface CreateStreamRequest {
  readonly kind: 'create_stream';
  readonly tableName: string;
  /** Serialized `google.protobuf.DescriptorProto` of the record message (PROTO streams). */
  readonly descriptorProto?: Uint8Array;
  /** Absent means PROTO for clients that predate the field. */
  readonly recordType?: RecordType;
}

/** `ingest_record`: one record under its own offset. */
export interface IngestRecordRequest {
  readonly kind: 'ingest_record';
  /** Per-call wire offset: 0 for the first message after create, +1 per message. */
  readonly offsetId: bigint;
  readonly record: WireRecordPayload;
}

/** `ingest_record_batch`: several records acknowledged together under one offset. */
export interface IngestRecordBatchRequest {
  readonly kind: 'ingest_record_batch';
  readonly offsetId: bigint;
  readonly batch: WireRecordBatch;
}

/** `EphemeralStreamRequest`: what a client sends. */
export type EphemeralStreamRequest = CreateStreamRequest | IngestRecordRequest | IngestRecordBatchRequest;

/** `create_stream_response`. Clients reject a response without `streamId`, so servers always set it. */
export interface CreateStreamResponse {
  readonly kind: 'create_stream_response';
  readonly streamId?: string;
}

/** `ingest_record_response`: every wire offset ≤ `durabilityAckUpToOffset` on this call is durable. */
export interface IngestRecordResponse {
  readonly kind: 'ingest_record_response';
  readonly durabilityAckUpToOffset?: bigint;
}

/** `close_stream_signal`: the server will end this call after `durationSeconds`; the client should move on. */
export interface CloseStreamSignal {
  readonly kind: 'close_stream_signal';
  /** `google.protobuf.Duration` as (fractional) seconds; absent when the signal carries no duration. */
  readonly durationSeconds?: number;
}

/** `EphemeralStreamResponse`: what a server sends. */
export type EphemeralStreamResponse = CreateStreamResponse | IngestRecordResponse | CloseStreamSignal;
