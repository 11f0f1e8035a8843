/**
 * The HTTP listener: the Unity-Catalog REST API, the OAuth token endpoint, `/healthz` and `/metrics`, on
 * plain `node:http`. This module owns the transport concerns (body limits, JSON error bodies, request
 * metrics and logs); the routes own the meaning.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { AccessControl } from '../catalog/access.js';
import type { Catalog } from '../catalog/catalog.js';
import type { CatalogStore } from '../catalog/model.js';
import type { Tokens } from '../auth/tokens.js';
import { TributaryError, toHttpError } from '../errors.js';
import type { Metrics } from './metrics.js';
import { discoveryRoutes } from './routes/discovery.js';
import { oauthRoutes } from './routes/oauth.js';
import { operationsRoutes } from './routes/operations.js';
import { Router, type HttpMethod, type RouteResponse } from './routes/router.js';
import { unityCatalogRoutes } from './routes/unity-catalog.js';

/** Everything the HTTP listener needs; `serve` builds these once and shares them with the gRPC side. */
export interface HttpDeps {
  readonly catalog: Catalog;
  readonly store: CatalogStore;
  readonly access: AccessControl;
  readonly tokens: Tokens;
  readonly metrics: Metrics;
  readonly logger?: Logger;
  /** Largest request body accepted; default {@link DEFAULT_MAX_BODY_BYTES}. */
  readonly maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/**
 * After refusing an oversized body, up to this much of it is still read and thrown away, so that the client
 * can finish sending and read the 413 (closing at once would reset the connection under an uploading client,
 * which may then lose the answer). A body declared or found larger gets the connection closed.
 */
const DISCARD_LIMIT_BYTES = 64 * 1024 * 1024;
const METHODS: readonly string[] = ['GET', 'POST', 'PATCH', 'DELETE'];
const UNMATCHED_ROUTE = 'unmatched';

/** Creates the HTTP server, not yet listening. */
export function createHttpServer(deps: HttpDeps): http.Server {
  const router = new Router([
    ...operationsRoutes(deps),
    ...oauthRoutes(deps),
    ...discoveryRoutes(),
    ...unityCatalogRoutes(deps),
  ]);
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const server = http.createServer((req, res) => {
    void handleRequest(req, res, router, maxBodyBytes, deps);
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerBrokenRequest(error, socket));
  return server;
}

async function handleRequest(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  router: Router,
  maxBodyBytes: number,
  deps: HttpDeps,
): Promise<void> {
  const started = process.hrtime.bigint();
  const method = req.method ?? 'GET';
  const rawUrl = req.url ?? '/';
  const queryAt = rawUrl.indexOf('?');
  const rawPath = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
  let route = UNMATCHED_ROUTE;
  let response: RouteResponse;
  let closeConnection = false;
  try {
    const match = METHODS.includes(method) ? router.match(method, rawPath) : { found: false as const };
    if (!match.found) {
      throw new TributaryError(
        'not_found',
        `No API found for '${method} ${printable(rawPath)}'`,
        {},
        'ENDPOINT_NOT_FOUND',
      );
    }
    route = match.route.pattern;
    const body = method === 'GET' ? Buffer.alloc(0) : await readBody(req, maxBodyBytes);
    if (!Buffer.isBuffer(body)) {
      closeConnection = body.closeConnection;
      response = errorResponse(
        new TributaryError(
          'invalid_argument',
          `request body is larger than the limit of ${maxBodyBytes} bytes`,
          {},
          'REQUEST_ENTITY_TOO_LARGE',
        ),
        413,
      );
    } else {
      response = await match.route.handle({
        method: method as HttpMethod,
        params: match.params,
        query: new URLSearchParams(queryAt < 0 ? '' : rawUrl.slice(queryAt + 1)),
        headers: req.headers,
        body,
      });
    }
  } catch (error) {
    response = errorResponse(error);
    if (!(error instanceof TributaryError)) deps.logger?.error({ err: error, method, route }, 'request failed');
  }
  if (res.destroyed) return;
  writeResponse(res, response, closeConnection);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  deps.metrics.httpRequests.inc({ method, route, status: String(response.status) });
  deps.metrics.httpDuration.observe({ method, route }, seconds);
  const level = response.status >= 500 ? 'error' : response.status >= 400 ? 'info' : 'debug';
  deps.logger?.[level]({ method, route, status: response.status, ms: Math.round(seconds * 1e4) / 10 }, 'http request');
}

function errorResponse(error: unknown, status?: number): RouteResponse {
  const mapped = toHttpError(error);
  const finalStatus = status ?? mapped.status;
  return {
    status: finalStatus,
    json: mapped.body,
    ...(finalStatus === 401 ? { headers: { 'www-authenticate': 'Bearer realm="tributary"' } } : {}),
  };
}

function writeResponse(res: http.ServerResponse, response: RouteResponse, closeConnection: boolean): void {
  const [payload, contentType, extra] =
    'json' in response
      ? [JSON.stringify(response.json), 'application/json', response.headers ?? {}]
      : [response.text, response.contentType, {}];
  const headers: Record<string, string | number> = {
    ...extra,
    'content-type': contentType,
    'content-length': Buffer.byteLength(payload),
  };
  if (closeConnection) headers.connection = 'close';
  res.writeHead(response.status, headers);
  res.end(payload);
}

type TooLarge = { readonly tooLarge: true; readonly closeConnection: boolean };

/**
 * Reads a request body up to `limit` bytes. Beyond it, the rest is discarded as it arrives, up to
 * {@link DISCARD_LIMIT_BYTES}; a declared length beyond that closes the connection after the answer.
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | TooLarge> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    discard(req, 0);
    return Promise.resolve({ tooLarge: true, closeConnection: declared > DISCARD_LIMIT_BYTES });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.off('end', onEnd);
      discard(req, size);
      resolve({ tooLarge: true, closeConnection: false });
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}

function discard(req: http.IncomingMessage, alreadyRead: number): void {
  let total = alreadyRead;
  req.on('data', (chunk: Buffer) => {
    total += chunk.length;
    if (total > DISCARD_LIMIT_BYTES) req.socket.destroy();
  });
  req.resume();
}

/** Requests Node's parser refuses (oversized headers, invalid characters) still get a JSON error body. */
function answerBrokenRequest(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const { body } = toHttpError(
    new TributaryError(
      'invalid_argument',
      tooLarge ? 'request line or headers are too large' : 'malformed HTTP request',
    ),
  );
  const payload = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(payload)}\r\nconnection: close\r\n\r\n${payload}`,
  );
}

/** A path as it may appear in an error message: bounded and without control characters. */
function printable(path: string): string {
  const clean = path.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}
