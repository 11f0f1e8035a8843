/**
 * Admission of a new stream: who is calling, may they write to this table, and how its records decode.
 * Everything is checked before `create_stream_response`, so a stream that opens can only fail on its data.
 */
import type { AccessControl } from '../catalog/access.js';
import type { Catalog } from '../catalog/catalog.js';
import type { CatalogStore, TableInfo } from '../catalog/model.js';
import { formatTableName, parseTableName } from '../catalog/names.js';
import { tokenAllows, type Tokens } from '../auth/tokens.js';
import { TributaryError } from '../errors.js';
import { RecordType, type CreateStreamRequest, type WireRecordPayload } from '../protocol/messages.js';
import type { CallCredentials } from './grpc-service.js';
import { compileJsonDecoder } from './json-decoder.js';
import { compileProtoDecoder } from './proto-decoder.js';
import type { RowBatch } from './row-batch.js';
import type { OpenedStream, StreamOpener } from './stream-session.js';
import type { TableWriter } from './table-writer.js';

export interface OpenerDeps {
  readonly tokens: Tokens;
  readonly store: CatalogStore;
  readonly catalog: Catalog;
  readonly access: AccessControl;
  /** The table's writer, opened (and its WAL replayed) on first use. */
  readonly writerFor: (table: TableInfo) => Promise<TableWriter>;
}

/** Builds the opener for one call, authenticating with the credentials from its metadata. */
export function streamOpener(deps: OpenerDeps, credentials: CallCredentials): StreamOpener {
  return async (request) => {
    if (!credentials.token) {
      throw new TributaryError('unauthenticated', 'missing bearer token: send "authorization: Bearer <token>" from /oidc/v1/token');
    }
    const claims = await deps.tokens.verify(credentials.token);
    const name = resolveTableName(credentials.tableHeader, request);
    const fullName = formatTableName(name);
    if (!tokenAllows(claims, 'MODIFY', 'TABLE', fullName)) {
      throw new TributaryError(
        'permission_denied',
        `the token does not grant MODIFY on table ${fullName}; request a token whose authorization_details name this table`,
        { table: fullName },
      );
    }
    const principal = await deps.store.getPrincipal(claims.principal);
    if (!principal) throw new TributaryError('unauthenticated', 'the principal this token was issued to no longer exists');
    const table = await deps.catalog.findTable(name);
    if (!table) {
      throw new TributaryError(
        'not_found',
        `table ${fullName} does not exist; check the three-part name (SHOW TABLES IN ${name.catalog}.${name.schema})`,
        { table: fullName },
        'TABLE_DOES_NOT_EXIST',
      );
    }
    const decision = await deps.access.checkTable(principal, name, 'MODIFY');
    if (!decision.allowed) throw new TributaryError('permission_denied', decision.reason, { table: fullName });
    const decode = compileDecoder(request, table);
    const writer = await deps.writerFor(table);
    return {
      table,
      principal: principal.applicationId,
      decode,
      newBatch: () => writer.newBatch(),
      append: async (batch: RowBatch) => {
        await writer.append(batch);
      },
    } satisfies OpenedStream;
  };
}

/**
 * The table-name header is authoritative for authorization; `create_stream.table_name` must name the same
 * table, so a stream can never write somewhere its credentials were not checked for.
 */
function resolveTableName(header: string | undefined, request: CreateStreamRequest) {
  if (!header) {
    throw new TributaryError('invalid_argument', 'missing x-databricks-zerobus-table-name header naming catalog.schema.table');
  }
  const fromHeader = parseTableName(header);
  if (!request.tableName) throw new TributaryError('invalid_argument', 'create_stream has no table_name');
  const fromRequest = parseTableName(request.tableName);
  if (formatTableName(fromHeader) !== formatTableName(fromRequest)) {
    throw new TributaryError(
      'invalid_argument',
      `create_stream names table ${formatTableName(fromRequest)} but the x-databricks-zerobus-table-name header names ${formatTableName(fromHeader)}`,
    );
  }
  return fromHeader;
}

type Decode = OpenedStream['decode'];

/** Compiles the stream's record decoder once, from the record type and (for PROTO) the descriptor. */
function compileDecoder(request: CreateStreamRequest, table: TableInfo): Decode {
  const recordType = request.recordType ?? RecordType.PROTO;
  const context = { table: table.fullName };
  if (recordType === RecordType.JSON) {
    const json = compileJsonDecoder(table.columns);
    return (record: WireRecordPayload, into, offset, index) => {
      if (record.kind !== 'json') throw mismatch('JSON', 'a protobuf record', context, offset);
      json.decode(record.json, into, offset, index);
    };
  }
  if (recordType === RecordType.PROTO) {
    if (!request.descriptorProto || request.descriptorProto.length === 0) {
      throw new TributaryError('invalid_argument', 'a PROTO stream needs descriptor_proto (a serialized DescriptorProto)', context);
    }
    const proto = compileProtoDecoder(request.descriptorProto, table.columns);
    return (record: WireRecordPayload, into, offset, index) => {
      if (record.kind !== 'proto') throw mismatch('PROTO', 'a JSON record', context, offset);
      proto.decode(record.bytes, into, offset, index);
    };
  }
  throw new TributaryError('invalid_argument', `record_type ${recordType} is not supported: use JSON (2) or PROTO (1)`, context);
}

function mismatch(streamType: string, got: string, context: { table: string }, offset: bigint): TributaryError {
  return new TributaryError('invalid_argument', `offset ${offset}: the stream was created for ${streamType} records but received ${got}`, {
    ...context,
    offset,
  });
}
