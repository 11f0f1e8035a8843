/**
 * gRPC status codes: the numbers every gRPC implementation puts in `grpc-status`. Shared by the SDK, which
 * speaks gRPC itself without a gRPC library, and the server's one error-to-status mapping (`errors.ts`).
 */
export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** One gRPC status code. */
export type Status = (typeof Status)[keyof typeof Status];

/** `grpc-status` text as a code; anything that is not one of the 17 codes counts as UNKNOWN, as gRPC says. */
export function parseStatus(text: string | undefined): Status {
  const n = text === undefined || !/^\d{1,2}$/.test(text) ? -1 : Number(text);
  return n >= Status.OK && n <= Status.UNAUTHENTICATED ? (n as Status) : Status.UNKNOWN;
}
