/**
 * gRPC over HTTP/2 as a client sees one call (the gRPC HTTP/2 protocol document): every message behind a
 * 5-byte prefix, the status in trailers, and the status a call gets when HTTP/2 ends it without one.
 * Pure functions and bookkeeping; the connection and the call are in `channel.ts` and `grpc-call.ts`.
 */
import { constants } from 'node:http2';
import { Status } from '../protocol/grpc-status.js';

/** Compressed-flag byte and big-endian length before every message. */
export const MESSAGE_PREFIX_BYTES = 5;

/**
 * Largest response message accepted: gRPC's default receive limit. Zerobus responses are a few bytes; the
 * limit keeps a broken server from making the client buffer without end.
 */
export const MAX_RESPONSE_MESSAGE_BYTES = 4 * 1024 * 1024;

/** The prefix of an uncompressed message of `length` bytes. */
export function messagePrefix(length: number): Buffer {
  const prefix = Buffer.allocUnsafe(MESSAGE_PREFIX_BYTES);
  prefix[0] = 0;
  prefix.writeUInt32BE(length, 1);
  return prefix;
}

/** A response the client cannot read as gRPC messages; ends the call with `code`. */
export class FramingError extends Error {
  constructor(
    readonly code: Status,
    message: string,
  ) {
    super(message);
  }
}

/** Splits a call's response body into messages, however HTTP/2 cut it into chunks. */
export class MessageReader {
  private rest: Buffer | undefined;

  /**
   * Calls `onMessage` for each message completed by `chunk`, in order, with a view that is valid during
   * the call. Throws {@link FramingError} on a compressed message (the client never offers compression)
   * or one over {@link MAX_RESPONSE_MESSAGE_BYTES}.
   */
  push(chunk: Buffer, onMessage: (message: Buffer) => void): void {
    const data = this.rest === undefined ? chunk : Buffer.concat([this.rest, chunk]);
    let at = 0;
    while (data.length - at >= MESSAGE_PREFIX_BYTES) {
      const compressed = data[at]!;
      const length = data.readUInt32BE(at + 1);
      if (compressed !== 0) {
        throw new FramingError(Status.INTERNAL, 'Received a compressed message, but the client accepts none');
      }
      if (length > MAX_RESPONSE_MESSAGE_BYTES) {
        throw new FramingError(
          Status.RESOURCE_EXHAUSTED,
          `Received a message of ${length} bytes, more than the ${MAX_RESPONSE_MESSAGE_BYTES} allowed`,
        );
      }
      const end = at + MESSAGE_PREFIX_BYTES + length;
      if (end > data.length) break;
      onMessage(data.subarray(at + MESSAGE_PREFIX_BYTES, end));
      at = end;
    }
    this.rest = at === data.length ? undefined : data.subarray(at);
  }

  /** Bytes of an unfinished message held back: a call that ends with some lost a message. */
  get pendingBytes(): number {
    return this.rest?.length ?? 0;
  }
}

/** `grpc-message` is percent-encoded UTF-8; text that does not decode is shown as it came. */
export function decodeStatusMessage(text: string | undefined): string {
  if (text === undefined) return '';
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The status of a response that is not gRPC: its HTTP status, as the gRPC spec maps them. */
export function statusFromHttp(httpStatus: number): Status {
  switch (httpStatus) {
    case 400:
      return Status.INTERNAL;
    case 401:
      return Status.UNAUTHENTICATED;
    case 403:
      return Status.PERMISSION_DENIED;
    case 404:
      return Status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Status.UNAVAILABLE;
    default:
      return Status.UNKNOWN;
  }
}

/** The status of a call the server reset (RST_STREAM) before sending one, as the gRPC spec maps codes. */
export function statusFromReset(errorCode: number): Status {
  switch (errorCode) {
    case constants.NGHTTP2_REFUSED_STREAM:
      return Status.UNAVAILABLE;
    case constants.NGHTTP2_CANCEL:
      return Status.CANCELLED;
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return Status.RESOURCE_EXHAUSTED;
    case constants.NGHTTP2_INADEQUATE_SECURITY:
      return Status.PERMISSION_DENIED;
    default:
      return Status.INTERNAL;
  }
}
