/**
 * The public configuration types of the official `@databricks/zerobus-ingest-sdk`, with its defaults
 * (wire-reference.md §9.4), and their resolution into the fully specified form the stream works with.
 */

/** Record encoding of a stream, numbered as in the official TypeScript SDK (not as on the wire). */
export enum RecordType {
  Json = 0,
  Proto = 1,
}

/** Target table and, for protobuf streams, the record's message descriptor. */
export interface TableProperties {
  /** `catalog.schema.table`. */
  tableName: string;
  /** Base64 of one serialized `google.protobuf.DescriptorProto` (see `loadDescriptorProto`). PROTO only. */
  descriptorProto?: string;
}

/** Stream behaviour; every field is optional and defaults as in the official SDK. */
export interface StreamConfigurationOptions {
  /** Records (or batches) queued or sent but not yet acknowledged before ingest calls wait. Default 1,000,000. */
  maxInflightRequests?: number;
  /** Reconnect and replay unacknowledged records on retryable failures. Default true. */
  recovery?: boolean;
  /** Time allowed for one stream-creation attempt (token, call, create response), in ms. Default 15,000. */
  recoveryTimeoutMs?: number;
  /** Pause between creation attempts after the first, in ms. Default 2,000. */
  recoveryBackoffMs?: number;
  /** Creation attempts after the first before giving up. Default 4. */
  recoveryRetries?: number;
  /** A call with unacknowledged records and no server message for this long is abandoned, in ms. Default 60,000. */
  serverLackOfAckTimeoutMs?: number;
  /** Limit for `flush()`, `waitForOffset()` and the flush inside `close()`, in ms. Default 300,000. */
  flushTimeoutMs?: number;
  /** `RecordType.Json` (0) or `RecordType.Proto` (1, and any other value). Default Proto. */
  recordType?: RecordType | number;
  /**
   * After a server `close_stream_signal`, wait for acknowledgements at most this long (and at most the
   * signalled duration) before moving to a new call. 0 moves at once. Default: the signalled duration.
   */
  streamPausedMaxWaitTimeMs?: number;
}

/** Custom authentication: returns the call headers, which must include `authorization` and the table header. */
export interface HeadersProvider {
  /** Called before every call the stream opens (creation, retries, recoveries), so tokens can rotate. */
  getHeadersCallback: () => Array<[string, string]> | Promise<Array<[string, string]>>;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly maxInflightRequests: number;
  readonly recovery: boolean;
  readonly recoveryTimeoutMs: number;
  readonly recoveryBackoffMs: number;
  readonly recoveryRetries: number;
  readonly serverLackOfAckTimeoutMs: number;
  readonly flushTimeoutMs: number;
  readonly recordType: RecordType;
  readonly streamPausedMaxWaitTimeMs: number | undefined;
}

/** The official SDK's defaults. */
export const DEFAULT_OPTIONS: ResolvedOptions = {
  maxInflightRequests: 1_000_000,
  recovery: true,
  recoveryTimeoutMs: 15_000,
  recoveryBackoffMs: 2_000,
  recoveryRetries: 4,
  serverLackOfAckTimeoutMs: 60_000,
  flushTimeoutMs: 300_000,
  recordType: RecordType.Proto,
  streamPausedMaxWaitTimeMs: undefined,
};

/** Applies defaults; like the official client, any record type other than 0 means PROTO. */
export function resolveOptions(options: StreamConfigurationOptions | undefined): ResolvedOptions {
  const o = options ?? {};
  return {
    maxInflightRequests: Math.max(1, o.maxInflightRequests ?? DEFAULT_OPTIONS.maxInflightRequests),
    recovery: o.recovery ?? DEFAULT_OPTIONS.recovery,
    recoveryTimeoutMs: o.recoveryTimeoutMs ?? DEFAULT_OPTIONS.recoveryTimeoutMs,
    recoveryBackoffMs: o.recoveryBackoffMs ?? DEFAULT_OPTIONS.recoveryBackoffMs,
    recoveryRetries: o.recoveryRetries ?? DEFAULT_OPTIONS.recoveryRetries,
    serverLackOfAckTimeoutMs: o.serverLackOfAckTimeoutMs ?? DEFAULT_OPTIONS.serverLackOfAckTimeoutMs,
    flushTimeoutMs: o.flushTimeoutMs ?? DEFAULT_OPTIONS.flushTimeoutMs,
    recordType: o.recordType === RecordType.Json ? RecordType.Json : RecordType.Proto,
    streamPausedMaxWaitTimeMs: o.streamPausedMaxWaitTimeMs ?? DEFAULT_OPTIONS.streamPausedMaxWaitTimeMs,
  };
}
