/**
 * The discovery documents a Databricks SDK reads before it asks for a token with client credentials
 * (`WorkspaceClient(host=..., client_id=..., client_secret=...)`): `/.well-known/databricks-config` names
 * the OIDC root, whose `/.well-known/oauth-authorization-server` names the token endpoint. URLs are built
 * from the request's Host header, so they point at the address the client already reached.
 */
import { TributaryError } from '../../errors.js';
import type { Route, RouteRequest } from './router.js';

function oidcRoot(request: RouteRequest): string {
  const host = request.headers.host;
  if (!host) throw new TributaryError('invalid_argument', 'the request has no Host header, so no URL can be given');
  return `http://${host}/oidc`;
}

export function discoveryRoutes(): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/.well-known/databricks-config',
      handle: (request) => Promise.resolve({ status: 200, json: { oidc_endpoint: oidcRoot(request) } }),
    },
    {
      method: 'GET',
      pattern: '/oidc/.well-known/oauth-authorization-server',
      handle: (request) => {
        const root = oidcRoot(request);
        return Promise.resolve({
          status: 200,
          json: {
            issuer: root,
            token_endpoint: `${root}/v1/token`,
            grant_types_supported: ['client_credentials'],
            token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
          },
        });
      },
    },
  ];
}
