/**
 * Typed errors and the one place they become gRPC statuses and HTTP error bodies.
 *
 * Every module throws {@link TributaryError} with a kind and context; nothing else decides a status code.
 * The gRPC codes are chosen for how the official Zerobus clients react (`shared/specs/wire.md`):
 * INVALID_ARGUMENT, NOT_FOUND, UNAUTHENTICATED, PERMISSION_DENIED end a stream for good; RESOURCE_EXHAUSTED,
 * UNAVAILABLE and INTERNAL make the client reconnect and replay what was not acknowledged.
 */
import { Status as GrpcCode } from './protocol/grpc-status.js';

/** What went wrong, independent of transport. */
export type ErrorKind =
  | 'invalid_argument'
  | 'not_found'
  | 'already_exists'
  | 'unauthenticated'
  | 'permission_denied'
  | 'resource_exhausted'
  | 'failed_precondition'
  | 'unavailable'
  | 'internal';

/** Where it went wrong: whatever of these is known is named in the message and kept for logs. */
export interface ErrorContext {
  readonly table?: string;
  readonly stream?: string;
  readonly offset?: bigint | number;
  readonly field?: string;
}

/** The error every Tributary module throws for a condition a caller should see. */
export class TributaryError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly context: ErrorContext = {},
    /** Unity Catalog `error_code` for REST bodies, e.g. `TABLE_DOES_NOT_EXIST`. */
    readonly errorCode?: string,
  ) {
    super(message);
    this.name = 'TributaryError';
  }
}

/** gRPC status codes, shared with the SDK (numeric values are fixed by the gRPC spec). */
export { GrpcCode };

const GRPC_CODES: Record<ErrorKind, GrpcCode> = {
  invalid_argument: GrpcCode.INVALID_ARGUMENT,
  not_found: GrpcCode.NOT_FOUND,
  already_exists: GrpcCode.ALREADY_EXISTS,
  unauthenticated: GrpcCode.UNAUTHENTICATED,
  permission_denied: GrpcCode.PERMISSION_DENIED,
  resource_exhausted: GrpcCode.RESOURCE_EXHAUSTED,
  failed_precondition: GrpcCode.FAILED_PRECONDITION,
  unavailable: GrpcCode.UNAVAILABLE,
  internal: GrpcCode.INTERNAL,
};

const HTTP_STATUS: Record<ErrorKind, number> = {
  invalid_argument: 400,
  not_found: 404,
  already_exists: 409,
  unauthenticated: 401,
  permission_denied: 403,
  resource_exhausted: 429,
  failed_precondition: 400,
  unavailable: 503,
  internal: 500,
};

const DEFAULT_ERROR_CODES: Record<ErrorKind, string> = {
  invalid_argument: 'INVALID_PARAMETER_VALUE',
  not_found: 'RESOURCE_DOES_NOT_EXIST',
  already_exists: 'RESOURCE_ALREADY_EXISTS',
  unauthenticated: 'UNAUTHENTICATED',
  permission_denied: 'PERMISSION_DENIED',
  resource_exhausted: 'RESOURCE_EXHAUSTED',
  failed_precondition: 'BAD_REQUEST',
  unavailable: 'TEMPORARILY_UNAVAILABLE',
  internal: 'INTERNAL_ERROR',
};

/** gRPC limits response headers to 16 KiB on the official clients; keep messages far below. */
const MAX_STATUS_MESSAGE = 4096;

/** Normalises anything thrown into a TributaryError; unknown errors become `internal` without leaking detail. */
export function asTributaryError(error: unknown): TributaryError {
  if (error instanceof TributaryError) return error;
  return new TributaryError('internal', 'internal error');
}

/** The gRPC status for an error, with a message bounded for trailers. */
export function toGrpcStatus(error: unknown): { code: GrpcCode; details: string } {
  const e = asTributaryError(error);
  const details = e.message.length > MAX_STATUS_MESSAGE ? `${e.message.slice(0, MAX_STATUS_MESSAGE)}…` : e.message;
  return { code: GRPC_CODES[e.kind], details };
}

/** The HTTP status and Unity Catalog error body for an error. */
export function toHttpError(error: unknown): { status: number; body: { error_code: string; message: string } } {
  const e = asTributaryError(error);
  return {
    status: HTTP_STATUS[e.kind],
    body: { error_code: e.errorCode ?? DEFAULT_ERROR_CODES[e.kind], message: e.message },
  };
}
