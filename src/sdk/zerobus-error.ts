/**
 * The SDK's one error type and the rules for which failures a stream recovers from.
 *
 * The official client rejects with plain `Error`s whose text embeds the gRPC code; producers end up parsing
 * messages to decide whether to retry. Here every rejection is a {@link ZerobusError} carrying `isRetryable`
 * and, when a server status caused it, the numeric gRPC `code`. The message texts follow the official
 * client's (`<operation prefix>: <cause>`, tonic's code descriptions) so logs and searches still match.
 */
import { Status } from '../protocol/grpc-status.js';

/** Error raised by every SDK operation. */
export class ZerobusError extends Error {
  override readonly name = 'ZerobusError';

  constructor(
    message: string,
    /** True when the same operation may succeed if tried again (the SDK's own recovery does this). */
    readonly isRetryable: boolean,
    /** The gRPC status code, when a server status is the cause. */
    readonly code?: Status,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The same error as seen from one API call: `<prefix>: <message>`, retryability and code kept. */
  withPrefix(prefix: string): ZerobusError {
    return new ZerobusError(`${prefix}: ${this.message}`, this.isRetryable, this.code, { cause: this });
  }
}

/** Codes on which the official clients give up instead of reconnecting (wire.md §7). */
const FATAL_CODES: ReadonlySet<Status> = new Set([
  Status.INVALID_ARGUMENT,
  Status.NOT_FOUND,
  Status.OUT_OF_RANGE,
  Status.UNIMPLEMENTED,
  Status.UNAUTHENTICATED,
  Status.PERMISSION_DENIED,
]);

/** Codes that are fatal mid-stream but earn one more attempt (with a fresh token) when creating a stream. */
const AUTH_CODES: ReadonlySet<Status> = new Set([Status.UNAUTHENTICATED, Status.PERMISSION_DENIED]);

/** True for statuses the client recovers from by reconnecting and replaying. */
export function isRetryableCode(code: Status): boolean {
  return !FATAL_CODES.has(code);
}

/** True for the authentication statuses that get a single retry at stream creation. */
export function isAuthCode(code: Status | undefined): boolean {
  return code !== undefined && AUTH_CODES.has(code);
}

/** tonic's wording for each code, which the official client puts in its messages. */
const CODE_DESCRIPTIONS: Record<Status, string> = {
  [Status.OK]: 'The operation completed successfully',
  [Status.CANCELLED]: 'The operation was cancelled',
  [Status.UNKNOWN]: 'Unknown error',
  [Status.INVALID_ARGUMENT]: 'Client specified an invalid argument',
  [Status.DEADLINE_EXCEEDED]: 'Deadline expired before operation could complete',
  [Status.NOT_FOUND]: 'Some requested entity was not found',
  [Status.ALREADY_EXISTS]: 'Some entity that we attempted to create already exists',
  [Status.PERMISSION_DENIED]: 'The caller does not have permission to execute the specified operation',
  [Status.RESOURCE_EXHAUSTED]: 'Some resource has been exhausted',
  [Status.FAILED_PRECONDITION]: "The system is not in a state required for the operation's execution",
  [Status.ABORTED]: 'The operation was aborted',
  [Status.OUT_OF_RANGE]: 'Operation was attempted past the valid range',
  [Status.UNIMPLEMENTED]: 'Operation is not implemented or not supported',
  [Status.INTERNAL]: 'Internal error',
  [Status.UNAVAILABLE]: 'The service is currently unavailable',
  [Status.DATA_LOSS]: 'Unrecoverable data loss or corruption',
  [Status.UNAUTHENTICATED]: 'The request does not have valid authentication credentials',
};

/** `code: '<description>', message: "<details>"`, the way the official client renders a status. */
export function describeStatus(code: Status, details: string): string {
  return `code: '${CODE_DESCRIPTIONS[code] ?? `Unknown code ${code}`}', message: "${details}"`;
}

/** A status that ended (or failed to open) a call after creation: `Stream is closed: ...`. */
export function streamClosedError(code: Status, details: string): ZerobusError {
  if (code === Status.INVALID_ARGUMENT) {
    // The official client surfaces the server's reason directly for bad input.
    return new ZerobusError(`Invalid argument: ${details}`, false, code);
  }
  return new ZerobusError(`Stream is closed: ${describeStatus(code, details)}`, isRetryableCode(code), code);
}

/** A status received while creating a stream: `Failed to create stream: ...`. */
export function createStreamError(code: Status, details: string): ZerobusError {
  return new ZerobusError(`Failed to create stream: ${describeStatus(code, details)}`, isRetryableCode(code), code);
}

/** A local validation failure (bad argument, wrong record type, payload too large): never retryable. */
export function invalidArgument(message: string): ZerobusError {
  return new ZerobusError(`Invalid argument: ${message}`, false);
}

/** Any thrown value as a {@link ZerobusError} (unexpected ones become non-retryable, the original as cause). */
export function toZerobusError(error: unknown): ZerobusError {
  if (error instanceof ZerobusError) return error;
  return new ZerobusError(error instanceof Error ? error.message : String(error), false, undefined, { cause: error });
}
