/**
 * Tributary's pure-TypeScript Zerobus Ingest client (`tributary/sdk`): the API of the official
 * `@databricks/zerobus-ingest-sdk`, without a native addon, with offsets as `bigint` and typed errors.
 *
 * ```ts
 * const sdk = new ZerobusSdk('http://127.0.0.1:50051', 'http://127.0.0.1:8080');
 * const stream = await sdk.createStream({ tableName: 'main.default.air_quality' }, id, secret, {
 *   recordType: RecordType.Json,
 * });
 * for (const row of rows) await stream.ingestRecordOffset(row);
 * await stream.flush();
 * await stream.close();
 * ```
 */
export { ZerobusSdk, type ZerobusSdkOptions } from './sdk.js';
export { ZerobusStream } from './stream.js';
export { ZerobusError } from './zerobus-error.js';
export {
  RecordType,
  DEFAULT_OPTIONS,
  type StreamConfigurationOptions,
  type TableProperties,
  type HeadersProvider,
} from './options.js';
export { MAX_PAYLOAD_BYTES, type RecordPayload } from './payload.js';
export { loadDescriptorProto } from './descriptor.js';
export { SDK_VERSION } from './version.js';
