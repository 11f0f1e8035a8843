/**
 * A tiny router: routes are a method plus a path pattern whose `:name` segments capture one percent-decoded
 * path segment each. Paths are matched as sent, never normalised, so `..` is an ordinary (invalid) name.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { TributaryError } from '../../errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** What a route handler sees of a request. */
export interface RouteRequest {
  readonly method: HttpMethod;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Empty for methods without a body. */
  readonly body: Buffer;
}

/** What a route answers: JSON (the usual case) or text with its content type. */
export type RouteResponse =
  | { readonly status: number; readonly json: unknown; readonly headers?: Readonly<Record<string, string>> }
  | { readonly status: number; readonly text: string; readonly contentType: string };

export interface Route {
  readonly method: HttpMethod;
  /** e.g. `/api/2.1/unity-catalog/tables/:full_name` */
  readonly pattern: string;
  /** Handlers throw TributaryError for failures; the server turns them into error bodies. */
  readonly handle: (request: RouteRequest) => Promise<RouteResponse>;
}

export type RouteMatch =
  | { readonly found: true; readonly route: Route; readonly params: Readonly<Record<string, string>> }
  | { readonly found: false };

type Segment = { readonly literal: string } | { readonly param: string };

interface CompiledRoute {
  readonly route: Route;
  readonly segments: readonly Segment[];
}

/** Routes compiled once; {@link match} is a linear scan, which is plenty for a few dozen routes. */
export class Router {
  private readonly compiled: readonly CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.compiled = routes.map((route) => ({
      route,
      segments: route.pattern
        .split('/')
        .slice(1)
        .map((s) => (s.startsWith(':') ? { param: s.slice(1) } : { literal: s })),
    }));
  }

  /**
   * Finds the route for a method and raw (still percent-encoded) path.
   * @throws TributaryError `invalid_argument` when a captured segment is not valid percent-encoding.
   */
  match(method: string, rawPath: string): RouteMatch {
    const parts = rawPath.split('/').slice(1);
    for (const { route, segments } of this.compiled) {
      if (route.method !== method || segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const matches = segments.every((segment, i) => {
        const part = parts[i]!;
        if ('literal' in segment) return segment.literal === part;
        if (part === '') return false;
        params[segment.param] = decodeSegment(part);
        return true;
      });
      if (matches) return { found: true, route, params };
    }
    return { found: false };
  }
}

function decodeSegment(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new TributaryError('invalid_argument', `path segment ${JSON.stringify(part.slice(0, 80))} is not valid percent-encoding`);
  }
}
