/**
 * One bidirectional gRPC call on an HTTP/2 stream, framed by the SDK itself.
 *
 * grpc-js copied every outgoing message into a new buffer behind its prefix, asynchronously, and each
 * copy of a batch (hundreds of kilobytes) is memory outside V8's heap: at full speed the client allocated
 * 300 MB/s of it, and V8 answered with a full collection every few dozen milliseconds. Here the prefix and
 * the message go out together as two buffers in one write, so the message is never copied.
 */
import { constants, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { Status, parseStatus } from '../protocol/grpc-status.js';
import {
  FramingError,
  MessageReader,
  decodeStatusMessage,
  messagePrefix,
  statusFromHttp,
  statusFromReset,
} from './grpc-framing.js';

/** What a call reports to its owner. After `status`, nothing more. */
export interface CallHandlers {
  /** One response message (a view, valid during the call). */
  message(message: Buffer): void;
  /** The call can take more messages after {@link GrpcCall.send} returned false. */
  drain(): void;
  /** The call is over: the server's status, or the one gRPC gives to how HTTP/2 ended it. Reported once. */
  status(code: Status, details: string): void;
}

/** A live call. Create with `ZerobusChannel.openEphemeralStream` (`channel.ts`). */
export class GrpcCall {
  private reported = false;
  private readonly reader = new MessageReader();
  private transportError: Error | undefined;

  constructor(
    private readonly stream: ClientHttp2Stream,
    private readonly handlers: CallHandlers,
    /** Called once when the call ends, before `status` is reported. */
    private readonly onEnd: () => void,
  ) {
    stream.on('response', (headers) => this.onResponseHeaders(headers));
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('trailers', (trailers) => this.onTrailers(trailers));
    stream.on('drain', () => {
      if (!this.reported) handlers.drain();
    });
    // The status is reported on 'close'; the error says what happened.
    stream.on('error', (error) => {
      this.transportError ??= error;
    });
    stream.on('close', () => this.onClose());
  }

  /**
   * Sends one message; false means wait for `drain` before sending more. `written` runs once HTTP/2 no
   * longer needs `message`: sent, or dropped with the call.
   */
  send(message: Buffer, written?: () => void): boolean {
    const stream = this.stream;
    if (this.reported || stream.writableEnded || stream.destroyed) {
      written?.();
      return true;
    }
    stream.cork();
    stream.write(messagePrefix(message.length));
    const ready = stream.write(message, written);
    stream.uncork();
    return ready;
  }

  /** Ends the client's side: the server may still answer and then sends its status. */
  halfClose(): void {
    if (!this.stream.writableEnded && !this.stream.destroyed) this.stream.end();
  }

  /** Abandons the call (RST_STREAM CANCEL); it reports CANCELLED unless it had ended already. */
  cancel(): void {
    this.abandon(Status.CANCELLED, 'Cancelled on client');
  }

  private onResponseHeaders(headers: IncomingHttpHeaders): void {
    // A trailers-only response (an error before any message) carries the status in its headers.
    if (headers['grpc-status'] !== undefined) return this.onTrailers(headers);
    const httpStatus = Number(headers[':status']);
    if (httpStatus !== 200) return this.abandon(statusFromHttp(httpStatus), `Received HTTP status code ${httpStatus}`);
    const contentType = headers['content-type'];
    if (contentType === undefined || !contentType.startsWith('application/grpc')) {
      this.abandon(Status.UNKNOWN, `Received content-type ${contentType ?? '(none)'}, not application/grpc`);
    }
  }

  private onData(chunk: Buffer): void {
    if (this.reported) return;
    try {
      this.reader.push(chunk, (message) => {
        if (!this.reported) this.handlers.message(message);
      });
    } catch (e) {
      if (!(e instanceof FramingError)) throw e;
      this.abandon(e.code, e.message);
    }
  }

  private onTrailers(trailers: IncomingHttpHeaders): void {
    const value = (name: string): string | undefined => {
      const v = trailers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const status = value('grpc-status');
    if (status === undefined) return this.report(Status.UNKNOWN, 'Received trailers without grpc-status');
    const code = parseStatus(status);
    if (code === Status.OK && this.reader.pendingBytes > 0) {
      return this.report(Status.INTERNAL, 'The call ended in the middle of a response message');
    }
    this.report(code, decodeStatusMessage(value('grpc-message')));
  }

  private onClose(): void {
    if (this.reported) return;
    const rstCode = this.stream.rstCode;
    if (this.transportError !== undefined) {
      this.report(Status.UNAVAILABLE, `Connection error: ${this.transportError.message}`);
    } else if (rstCode !== undefined && rstCode !== constants.NGHTTP2_NO_ERROR) {
      this.report(statusFromReset(rstCode), `Received RST_STREAM with code ${rstCode}`);
    } else {
      this.report(Status.INTERNAL, 'The call ended without a status');
    }
  }

  /** Ends the call from this side (RST_STREAM CANCEL), telling the server it was given up. */
  private abandon(code: Status, details: string): void {
    if (!this.stream.closed && !this.stream.destroyed) this.stream.close(constants.NGHTTP2_CANCEL);
    this.report(code, details);
  }

  private report(code: Status, details: string): void {
    if (this.reported) return;
    this.reported = true;
    // The call is over: a stream the server finished while ours was still open would otherwise stay open.
    if (!this.stream.closed && !this.stream.destroyed) this.stream.close(constants.NGHTTP2_NO_ERROR);
    this.onEnd();
    this.handlers.status(code, details);
  }
}
