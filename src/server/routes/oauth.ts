/**
 * `POST /oidc/v1/token`: adapts {@link TokenEndpoint} to the router. OAuth refusals keep their own body
 * shape (`error`, `error_description`), which is what OAuth clients parse.
 */
import type { AccessControl } from '../../catalog/access.js';
import type { CatalogStore } from '../../catalog/model.js';
import { TokenEndpoint } from '../../auth/oauth.js';
import type { Tokens } from '../../auth/tokens.js';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { Route } from './router.js';

export interface OAuthRouteDeps {
  readonly store: CatalogStore;
  readonly access: AccessControl;
  readonly tokens: Tokens;
  readonly metrics: Metrics;
  readonly logger?: Logger;
}

/**
 * Token responses close their connection. The official clients fetch a token before every call they open,
 * recoveries included, through a pooled HTTP client; after a server restart, a recovery could pick the
 * pooled connection to the old process before noticing it was gone, and the Rust client counts "connection
 * closed before message completed" as a fatal token error: it stopped recovering and failed every later
 * ingest with "Stream closed". A fresh connection per token fails, while the server is down, with a refused
 * connect, which those clients retry. One token per call makes the extra handshake negligible.
 */
const CLOSE_AFTER = { connection: 'close' } as const;

export function oauthRoutes(deps: OAuthRouteDeps): Route[] {
  const endpoint = new TokenEndpoint({
    store: deps.store,
    access: deps.access,
    tokens: deps.tokens,
    ...(deps.logger ? { logger: deps.logger } : {}),
    onOutcome: (outcome) => {
      if (outcome === 'issued') deps.metrics.tokensIssued.inc();
      else deps.metrics.tokensRefused.inc({ error: outcome });
    },
  });
  return [
    {
      method: 'POST',
      pattern: '/oidc/v1/token',
      handle: async (request) => {
        const answer = await endpoint.handle({
          authorization: request.headers.authorization,
          contentType: request.headers['content-type'],
          body: request.body.toString('utf8'),
        });
        return { status: answer.status, json: answer.body, headers: { ...answer.headers, ...CLOSE_AFTER } };
      },
    },
  ];
}
