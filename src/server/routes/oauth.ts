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
        return { status: answer.status, json: answer.body, headers: answer.headers };
      },
    },
  ];
}
