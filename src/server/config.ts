/**
 * Server configuration: parsed once from flags and `TRIBUTARY_*` environment variables into a typed object
 * that is passed down. No other module reads `process.env`.
 */
import type { ParquetCodec } from '../delta/parquet-file.js';
import path from 'node:path';

export interface ServerConfig {
  /** Root of all state: catalog database, signing key, WAL segments, Delta tables. */
  readonly dataDir: string;
  readonly host: string;
  /** 0 picks an ephemeral port (tests). */
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Create the demo table and principal on start. */
  readonly demo: boolean;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly ingest: IngestLimits;
  readonly wal: WalSettings;
  readonly materializer: MaterializerSettings;
  /** Lifetime of issued OAuth tokens. */
  readonly tokenTtlSeconds: number;
  /** How long a `close_stream_signal` tells clients to finish, on shutdown or idle close. */
  readonly drainSeconds: number;
}

export interface IngestLimits {
  /** Largest accepted gRPC message; the hosted service's limit is 10 MiB. */
  readonly maxMessageBytes: number;
  /** Per-stream quotas; 0 = unlimited. */
  readonly maxRowsPerSecond: number;
  readonly maxBytesPerSecond: number;
  /** A stream with no traffic for this long is asked to close (0 = never). */
  readonly idleTimeoutMs: number;
  /** Unacknowledged bytes a stream may hold before the server stops reading it. */
  readonly maxInflightBytesPerStream: number;
  /** Bytes received and not yet in the WAL, across all streams, before streams stop reading. */
  readonly maxPendingBytes: number;
}

export interface WalSettings {
  /** Group commit window: appends arriving within it share one fdatasync. */
  readonly groupCommitMs: number;
  readonly groupCommitBytes: number;
  readonly segmentBytes: number;
  /** Set only in tests that do not care about crash safety; never default. */
  readonly fsync: boolean;
}

export interface MaterializerSettings {
  readonly flushIntervalMs: number;
  readonly flushBytes: number;
  readonly checkpointInterval: number;
  /** Compact a table once it has this many small files. */
  readonly compactMinFiles: number;
  /** Arrow bytes per data file a flush writes (a larger flush is one commit of several files); default 32 MiB. */
  readonly fileBytes?: number;
  /** Compression of the files flushes write (compaction always writes ZSTD); default Snappy. */
  readonly dataFileCodec?: ParquetCodec;
}

/** Defaults, as documented in the README. */
export const DEFAULTS = {
  dataDir: './tributary-data',
  host: '127.0.0.1',
  grpcPort: 50051,
  httpPort: 8080,
  logLevel: 'info',
  maxMessageBytes: 10 * 1024 * 1024 + 64 * 1024,
  idleTimeoutMs: 15 * 60 * 1000,
  maxInflightBytesPerStream: 64 * 1024 * 1024,
  maxPendingBytes: 64 * 1024 * 1024,
  groupCommitMs: 1,
  groupCommitBytes: 1024 * 1024,
  segmentBytes: 64 * 1024 * 1024,
  flushIntervalMs: 1000,
  flushBytes: 128 * 1024 * 1024,
  dataFileCodec: 'snappy',
  checkpointInterval: 10,
  compactMinFiles: 16,
  tokenTtlSeconds: 3600,
  drainSeconds: 5,
} as const;

/** Raw option values as they come from the CLI parser; every one may be absent. */
export interface ConfigInput {
  dataDir?: string;
  host?: string;
  grpcPort?: string | number;
  httpPort?: string | number;
  tlsCert?: string;
  tlsKey?: string;
  demo?: boolean;
  logLevel?: string;
  maxMessageBytes?: string | number;
  maxRowsPerSecond?: string | number;
  maxBytesPerSecond?: string | number;
  idleTimeoutMs?: string | number;
  groupCommitMs?: string | number;
  flushIntervalMs?: string | number;
  flushBytes?: string | number;
  checkpointInterval?: string | number;
  dataFileCodec?: string;
  noFsync?: boolean;
}

const ENV_KEYS: Record<keyof ConfigInput, string> = {
  dataDir: 'TRIBUTARY_DATA_DIR',
  host: 'TRIBUTARY_HOST',
  grpcPort: 'TRIBUTARY_GRPC_PORT',
  httpPort: 'TRIBUTARY_HTTP_PORT',
  tlsCert: 'TRIBUTARY_TLS_CERT',
  tlsKey: 'TRIBUTARY_TLS_KEY',
  demo: 'TRIBUTARY_DEMO',
  logLevel: 'TRIBUTARY_LOG_LEVEL',
  maxMessageBytes: 'TRIBUTARY_MAX_MESSAGE_BYTES',
  maxRowsPerSecond: 'TRIBUTARY_MAX_ROWS_PER_SECOND',
  maxBytesPerSecond: 'TRIBUTARY_MAX_BYTES_PER_SECOND',
  idleTimeoutMs: 'TRIBUTARY_IDLE_TIMEOUT_MS',
  groupCommitMs: 'TRIBUTARY_GROUP_COMMIT_MS',
  flushIntervalMs: 'TRIBUTARY_FLUSH_INTERVAL_MS',
  flushBytes: 'TRIBUTARY_FLUSH_BYTES',
  checkpointInterval: 'TRIBUTARY_CHECKPOINT_INTERVAL',
  dataFileCodec: 'TRIBUTARY_DATA_FILE_CODEC',
  noFsync: 'TRIBUTARY_NO_FSYNC',
};

/** Thrown for a setting that cannot be used; the CLI prints it and exits with status 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Merges flags over environment variables over defaults, validating every value. */
export function resolveConfig(flags: ConfigInput, env: Readonly<Record<string, string | undefined>>): ServerConfig {
  const pick = <K extends keyof ConfigInput>(key: K): ConfigInput[K] | string | undefined =>
    flags[key] ?? env[ENV_KEYS[key]];
  const int = (key: keyof ConfigInput, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = pick(key);
    if (raw === undefined || raw === '') return fallback;
    const n = typeof raw === 'number' ? raw : Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(`${key} must be an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`);
    }
    return n;
  };
  const bool = (key: keyof ConfigInput): boolean => {
    const raw = pick(key);
    return raw === true || raw === 'true' || raw === '1';
  };
  const str = (key: keyof ConfigInput): string | undefined => {
    const raw = pick(key);
    return typeof raw === 'string' && raw !== '' ? raw : undefined;
  };

  const certFile = str('tlsCert');
  const keyFile = str('tlsKey');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError('--tls-cert and --tls-key must be given together');
  }
  const dataFileCodec = str('dataFileCodec') ?? DEFAULTS.dataFileCodec;
  if (dataFileCodec !== 'snappy' && dataFileCodec !== 'zstd') {
    throw new ConfigError(`data file codec must be snappy or zstd, got ${JSON.stringify(dataFileCodec)}`);
  }
  const logLevel = str('logLevel') ?? DEFAULTS.logLevel;
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
  if (!(levels as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`log level must be one of ${levels.join(', ')}, got ${JSON.stringify(logLevel)}`);
  }

  return {
    dataDir: path.resolve(str('dataDir') ?? DEFAULTS.dataDir),
    host: str('host') ?? DEFAULTS.host,
    grpcPort: int('grpcPort', DEFAULTS.grpcPort, 0, 65535),
    httpPort: int('httpPort', DEFAULTS.httpPort, 0, 65535),
    ...(certFile && keyFile ? { tls: { certFile, keyFile } } : {}),
    demo: bool('demo'),
    logLevel: logLevel as ServerConfig['logLevel'],
    ingest: {
      maxMessageBytes: int('maxMessageBytes', DEFAULTS.maxMessageBytes, 1024),
      maxRowsPerSecond: int('maxRowsPerSecond', 0),
      maxBytesPerSecond: int('maxBytesPerSecond', 0),
      idleTimeoutMs: int('idleTimeoutMs', DEFAULTS.idleTimeoutMs),
      maxInflightBytesPerStream: DEFAULTS.maxInflightBytesPerStream,
      maxPendingBytes: DEFAULTS.maxPendingBytes,
    },
    wal: {
      groupCommitMs: int('groupCommitMs', DEFAULTS.groupCommitMs, 0, 1000),
      groupCommitBytes: DEFAULTS.groupCommitBytes,
      segmentBytes: DEFAULTS.segmentBytes,
      fsync: !bool('noFsync'),
    },
    materializer: {
      flushIntervalMs: int('flushIntervalMs', DEFAULTS.flushIntervalMs, 1),
      flushBytes: int('flushBytes', DEFAULTS.flushBytes, 1024),
      checkpointInterval: int('checkpointInterval', DEFAULTS.checkpointInterval, 1),
      compactMinFiles: DEFAULTS.compactMinFiles,
      dataFileCodec,
    },
    tokenTtlSeconds: DEFAULTS.tokenTtlSeconds,
    drainSeconds: DEFAULTS.drainSeconds,
  };
}

/** Where each kind of state lives inside the data directory. */
export function dataPaths(dataDir: string) {
  return {
    catalogDb: path.join(dataDir, 'catalog.db'),
    signingKey: path.join(dataDir, 'keys', 'token-signing.jwk'),
    wal: path.join(dataDir, 'wal'),
    tables: path.join(dataDir, 'tables'),
  };
}
