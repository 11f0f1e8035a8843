/**
 * Where a stream's call headers come from before every call it opens: a fresh OAuth token (the default,
 * as the official client does: nothing cached), or the caller's {@link HeadersProvider}.
 */
import { AUTHORIZATION_HEADER, TABLE_NAME_HEADER } from '../protocol/messages.js';
import { invalidArgument } from './zerobus-error.js';
import { fetchToken, type TokenRequest } from './oauth.js';
import type { HeadersProvider } from './options.js';

/** Call headers as ordered pairs. */
export type Headers = ReadonlyArray<readonly [string, string]>;

/** Produces the headers for the next call; `signal` aborts when the creation attempt times out. */
export type HeaderSource = (signal: AbortSignal) => Promise<Headers>;

/** Default authentication: a new token for each call, and the table header. */
export function oauthHeaders(request: TokenRequest): HeaderSource {
  return async (signal) => {
    const token = await fetchToken(request, signal);
    return [
      [AUTHORIZATION_HEADER, `Bearer ${token}`],
      [TABLE_NAME_HEADER, request.table.full],
    ];
  };
}

/** Custom authentication; like the official client, both required headers must be present. */
export function providerHeaders(provider: HeadersProvider): HeaderSource {
  return async () => {
    const headers = await provider.getHeadersCallback();
    const names = new Set(headers.map(([name]) => name.toLowerCase()));
    if (!names.has(AUTHORIZATION_HEADER)) {
      throw invalidArgument("HeadersProvider must include 'authorization' header with Bearer token");
    }
    if (!names.has(TABLE_NAME_HEADER)) {
      throw invalidArgument(`HeadersProvider must include '${TABLE_NAME_HEADER}' header`);
    }
    return headers.map(([name, value]) => [name.toLowerCase(), value] as const);
  };
}
