/**
 * The two producers compared on the same workload: the official Zerobus TypeScript client (its native
 * binary) and Tributary's pure-TypeScript SDK, behind the few calls the bench makes. Both take the same
 * pre-encoded payloads and the same options.
 */
import { RecordType, ZerobusSdk } from '../../src/sdk/index.js';
import { loadOfficialSdk } from '../../test/helpers/official-sdk.js';
import type { Credentials } from './admin.js';
import type { Payload, RecordFormat, TableWorkload } from '../workload/table-workload.js';

export const CLIENT_KINDS = ['official', 'tributary'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** The stream calls the drivers use; offsets are logical, as both clients return them. */
export interface BenchStream {
  /** Resolves once the batch is queued; waits while the in-flight window is full. */
  ingestRecordsOffset(batch: Payload[]): Promise<bigint | null>;
  /** Resolves once the batch is acknowledged (durable). */
  ingestRecords(batch: Payload[]): Promise<bigint | null>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface BenchClient {
  readonly kind: ClientKind;
  /** Opens a stream to `workload`'s table; `window` is `maxInflightRequests` (batches). */
  createStream(workload: TableWorkload, format: RecordFormat, credentials: Credentials, window: number): Promise<BenchStream>;
  close(): void;
}

/** A client of `kind` for the server at the given endpoints. */
export function openClient(kind: ClientKind, zerobusEndpoint: string, unityCatalogUrl: string): BenchClient {
  const official = kind === 'official' ? loadOfficialSdk() : undefined;
  const sdk = official
    ? new official.ZerobusSdk(zerobusEndpoint, unityCatalogUrl)
    : new ZerobusSdk(zerobusEndpoint, unityCatalogUrl);
  return {
    kind,
    createStream: (workload, format, credentials, window) =>
      sdk.createStream(
        {
          tableName: workload.tableName,
          ...(format === 'proto' ? { descriptorProto: workload.descriptorProto } : {}),
        },
        credentials.clientId,
        credentials.clientSecret,
        {
          // Both clients number record types the same way (JSON 0, PROTO 1).
          recordType: format === 'json' ? RecordType.Json : RecordType.Proto,
          maxInflightRequests: window,
        },
      ),
    close: () => {
      if (sdk instanceof ZerobusSdk) sdk.close();
    },
  };
}
