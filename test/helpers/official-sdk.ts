/**
 * The official Zerobus TypeScript SDK's native binary, loaded by path: the real client producers use,
 * as a test peer.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { REPO_ROOT } from './server-process.js';

const require = createRequire(import.meta.url);

/** The subset of the official binary's surface the tests drive. */
export interface OfficialStream {
  ingestRecord(payload: unknown): Promise<bigint>;
  ingestRecords(payloads: unknown[]): Promise<bigint | null>;
  ingestRecordOffset(payload: unknown): Promise<bigint>;
  ingestRecordsOffset(payloads: unknown[]): Promise<bigint | null>;
  waitForOffset(offset: bigint): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  getUnackedRecords(): Promise<Buffer[]>;
}

export interface OfficialSdk {
  createStream(
    tableProperties: { tableName: string; descriptorProto?: string },
    clientId: string,
    clientSecret: string,
    options?: Record<string, unknown>,
    /** Fixed call headers instead of OAuth; the callback must return synchronously (see the spec). */
    headersProvider?: { getHeadersCallback(): [string, string][] },
  ): Promise<OfficialStream>;
  recreateStream(stream: OfficialStream): Promise<OfficialStream>;
}

interface OfficialModule {
  ZerobusSdk: new (zerobusEndpoint: string, unityCatalogUrl: string) => OfficialSdk;
  RecordType: { Json: number; Proto: number };
}

export const OFFICIAL_SDK_PATH = path.join(
  REPO_ROOT,
  'node_modules/@databricks/zerobus-ingest-sdk-linux-x64-gnu/zerobus-ingest-sdk.linux-x64-gnu.node',
);

/** Loads the official native client. */
export function loadOfficialSdk(): OfficialModule {
  return require(OFFICIAL_SDK_PATH) as OfficialModule;
}
