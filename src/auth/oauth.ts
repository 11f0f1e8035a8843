/**
 * The OAuth 2.0 client-credentials token endpoint (`POST /oidc/v1/token`) as the Zerobus SDKs and the
 * Databricks tools call it: HTTP Basic client authentication, `grant_type=client_credentials`, and
 * optionally `authorization_details` naming the privileges the client needs (RFC 9396).
 *
 * Parsing ({@link parseTokenRequest}) is pure; {@link TokenEndpoint} adds the catalog look-ups and signing.
 * Errors use the OAuth shape `{"error","error_description"}` (RFC 6749 §5.2), not the Unity Catalog one,
 * because that is what OAuth clients parse.
 */
import type { Logger } from 'pino';
import type { AccessControl } from '../catalog/access.js';
import type { CatalogStore, Principal, SecurableType } from '../catalog/model.js';
import { formatTableName, parseSchemaName, parseTableName, validateIdentifier } from '../catalog/names.js';
import { TributaryError } from '../errors.js';
import {
  AuthorizationDetailsError,
  parseAuthorizationDetailsText,
  type AuthorizationDetail,
} from './authorization-details.js';
import { generateClientSecret, hashSecret, verifySecret } from './secrets.js';
import type { Tokens } from './tokens.js';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_scope'
  | 'unsupported_grant_type'
  | 'access_denied';

const OAUTH_STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_scope: 400,
  unsupported_grant_type: 400,
  access_denied: 403,
};

/** A refused token request; `description` is safe to show the client. */
export class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
  ) {
    super(description);
    this.name = 'OAuthError';
  }

  get status(): number {
    return OAUTH_STATUS[this.code];
  }
}

/** The one message for an unknown client and a wrong secret, so that client ids cannot be probed. */
export const INVALID_CLIENT_MESSAGE = 'client authentication failed: unknown client_id or wrong client_secret';

/** `all-apis` is what every Databricks client asks for; it is also the default. */
export const SUPPORTED_SCOPES: readonly string[] = ['all-apis'];
const DEFAULT_SCOPE = 'all-apis';
const MAX_CLIENT_ID = 256;
const MAX_CLIENT_SECRET = 1024;
const MAX_RESOURCE = 2048;
const KNOWN_PARAMS = new Set([
  'grant_type',
  'scope',
  'resource',
  'authorization_details',
  'client_id',
  'client_secret',
]);

/** A well-formed token request; nothing in it has been checked against the catalog yet. */
export interface TokenRequest {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope: string;
  readonly resource?: string;
  readonly authorizationDetails?: readonly AuthorizationDetail[];
}

/** The parts of the HTTP request the endpoint reads. */
export interface TokenHttpRequest {
  readonly authorization?: string;
  readonly contentType?: string;
  readonly body: string;
}

/**
 * Parses a token request: credentials from HTTP Basic or the `client_id`/`client_secret` form fields (not
 * both), the grant type, scope, resource and authorization details.
 * @throws OAuthError describing the first problem found.
 */
export function parseTokenRequest(request: TokenHttpRequest): TokenRequest {
  const mediaType = request.contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== undefined && mediaType !== 'application/x-www-form-urlencoded') {
    throw new OAuthError(
      'invalid_request',
      `token requests must be sent as application/x-www-form-urlencoded, not ${mediaType}`,
    );
  }
  const form = new URLSearchParams(request.body);
  for (const key of new Set(form.keys())) {
    if (KNOWN_PARAMS.has(key) && form.getAll(key).length > 1) {
      throw new OAuthError('invalid_request', `parameter ${key} was given more than once`);
    }
  }

  const { clientId, clientSecret } = clientCredentials(request.authorization, form);

  const grantType = form.get('grant_type');
  if (grantType === null || grantType === '') {
    throw new OAuthError('invalid_request', 'grant_type is required; use grant_type=client_credentials');
  }
  if (grantType !== 'client_credentials') {
    throw new OAuthError(
      'unsupported_grant_type',
      `grant_type ${JSON.stringify(grantType.slice(0, 80))} is not supported; use client_credentials`,
    );
  }

  const scope = form.get('scope')?.trim() || DEFAULT_SCOPE;
  const unknownScopes = scope.split(/\s+/).filter((s) => !SUPPORTED_SCOPES.includes(s));
  if (unknownScopes.length > 0) {
    throw new OAuthError(
      'invalid_scope',
      `unsupported scope ${JSON.stringify(unknownScopes.join(' ').slice(0, 80))}; supported: ${SUPPORTED_SCOPES.join(', ')}`,
    );
  }

  const resource = form.get('resource') ?? undefined;
  if (resource !== undefined && resource.length > MAX_RESOURCE) {
    throw new OAuthError('invalid_request', `resource is longer than ${MAX_RESOURCE} characters`);
  }

  const detailsText = form.get('authorization_details');
  let authorizationDetails: AuthorizationDetail[] | undefined;
  if (detailsText !== null) {
    try {
      authorizationDetails = parseAuthorizationDetailsText(detailsText);
    } catch (error) {
      if (error instanceof AuthorizationDetailsError) throw new OAuthError('invalid_request', error.message);
      throw error;
    }
  }

  return {
    clientId,
    clientSecret,
    scope,
    ...(resource !== undefined ? { resource } : {}),
    ...(authorizationDetails ? { authorizationDetails } : {}),
  };
}

function clientCredentials(
  authorization: string | undefined,
  form: URLSearchParams,
): { clientId: string; clientSecret: string } {
  const formId = form.get('client_id');
  const formSecret = form.get('client_secret');
  if (authorization !== undefined && (formId !== null || formSecret !== null)) {
    throw new OAuthError(
      'invalid_request',
      'send client credentials either with HTTP Basic authentication or as form fields, not both',
    );
  }
  let clientId: string;
  let clientSecret: string;
  if (authorization !== undefined) {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
    // The SDKs put id and secret into Basic auth as they are (no form-encoding first), so neither is decoded.
    const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new OAuthError(
        'invalid_client',
        'the Authorization header must be "Basic base64(client_id:client_secret)"',
      );
    }
    clientId = decoded.slice(0, colon);
    clientSecret = decoded.slice(colon + 1);
  } else if (formId !== null && formSecret !== null) {
    clientId = formId;
    clientSecret = formSecret;
  } else {
    throw new OAuthError(
      'invalid_client',
      'client authentication required: send "Authorization: Basic base64(client_id:client_secret)"',
    );
  }
  if (clientId === '' || clientSecret === '' || clientId.length > MAX_CLIENT_ID || clientSecret.length > MAX_CLIENT_SECRET) {
    throw new OAuthError('invalid_client', INVALID_CLIENT_MESSAGE);
  }
  return { clientId, clientSecret };
}

/** A token endpoint answer, ready to be written. */
export interface TokenHttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Record<string, unknown>;
}

/** Token responses must never be cached (RFC 6749 §5.1). */
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** The OAuth error response for a refusal. */
export function oauthErrorResponse(error: OAuthError): TokenHttpResponse {
  const headers: Record<string, string> =
    error.code === 'invalid_client' ? { ...NO_STORE, 'www-authenticate': 'Basic realm="tributary"' } : NO_STORE;
  return { status: error.status, headers, body: { error: error.code, error_description: error.description } };
}

export interface TokenEndpointDeps {
  readonly store: CatalogStore;
  readonly access: AccessControl;
  readonly tokens: Tokens;
  readonly logger?: Logger;
  /** Called with the outcome of every request, for metrics. */
  readonly onOutcome?: (outcome: 'issued' | OAuthErrorCode) => void;
}

/** Authenticates clients, checks the privileges they ask for and issues tokens. */
export class TokenEndpoint {
  /**
   * Unknown clients are checked against this hash, so that they cost as much time as a wrong secret.
   * The hash of a secret nobody knows: it can never match.
   */
  private readonly decoyHash: Promise<string>;

  constructor(private readonly deps: TokenEndpointDeps) {
    this.decoyHash = hashSecret(generateClientSecret());
  }

  /** Answers one token request; refusals are responses, not exceptions. */
  async handle(request: TokenHttpRequest): Promise<TokenHttpResponse> {
    try {
      const parsed = parseTokenRequest(request);
      const principal = await this.authenticate(parsed);
      const granted = parsed.authorizationDetails && (await this.authorize(principal, parsed.authorizationDetails));
      const issued = await this.deps.tokens.issue({
        principal: principal.applicationId,
        scope: parsed.scope,
        ...(parsed.resource !== undefined ? { audience: parsed.resource } : {}),
        ...(granted ? { authorizationDetails: granted } : {}),
      });
      this.deps.logger?.info(
        { principal: principal.applicationId, tokenId: issued.claims.tokenId, objects: objectsOf(parsed) },
        'access token issued',
      );
      this.deps.onOutcome?.('issued');
      return {
        status: 200,
        headers: NO_STORE,
        body: { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn, scope: parsed.scope },
      };
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      this.deps.onOutcome?.(error.code);
      return oauthErrorResponse(error);
    }
  }

  private async authenticate(request: TokenRequest): Promise<Principal> {
    const found = await this.deps.store.getPrincipal(request.clientId);
    // getPrincipal also matches display names; only the application id is a client id.
    const principal = found?.applicationId === request.clientId ? found : undefined;
    const hashes = principal && principal.secrets.length > 0 ? principal.secrets.map((s) => s.hash) : [await this.decoyHash];
    let matched = false;
    for (const hash of hashes) {
      // Every hash is checked, so the time taken does not tell which secret matched.
      if (await verifySecret(request.clientSecret, hash)) matched = true;
    }
    if (principal && matched) return principal;
    this.deps.logger?.info(
      { reason: principal ? 'wrong client_secret' : 'unknown client_id' },
      'token request refused: client authentication failed',
    );
    throw new OAuthError('invalid_client', INVALID_CLIENT_MESSAGE);
  }

  /**
   * Every requested privilege must be usable now (held, plus USE CATALOG / USE SCHEMA on the containers);
   * the first that is not refuses the whole request. Returns the details with canonical object names, as
   * the token carries them.
   */
  private async authorize(principal: Principal, details: readonly AuthorizationDetail[]): Promise<AuthorizationDetail[]> {
    const granted: AuthorizationDetail[] = [];
    for (const detail of details) {
      const name = canonicalName(detail);
      if (!(await this.exists(detail.objectType, name))) {
        throw new OAuthError('access_denied', `${detail.objectType} ${name} does not exist`);
      }
      for (const privilege of detail.privileges) {
        const decision = await this.deps.access.checkUsable(principal, privilege, { type: detail.objectType, name });
        if (!decision.allowed) {
          this.deps.logger?.info(
            { principal: principal.applicationId, object: name, privilege },
            'token request refused: privilege not held',
          );
          throw new OAuthError(
            'access_denied',
            `cannot grant ${privilege} on ${detail.objectType} ${name}: ${decision.reason}`,
          );
        }
      }
      granted.push({ ...detail, objectFullPath: name });
    }
    return granted;
  }

  private async exists(type: SecurableType, name: string): Promise<boolean> {
    const [catalog = '', schema = '', table = ''] = name.split('.');
    switch (type) {
      case 'CATALOG':
        return (await this.deps.store.getCatalog(catalog)) !== undefined;
      case 'SCHEMA':
        return (await this.deps.store.getSchema(catalog, schema)) !== undefined;
      case 'TABLE':
        return (await this.deps.store.getTable({ catalog, schema, table })) !== undefined;
    }
  }
}

/** The validated, lower-case name of a requested object. */
function canonicalName(detail: AuthorizationDetail): string {
  try {
    switch (detail.objectType) {
      case 'CATALOG':
        return validateIdentifier('catalog', detail.objectFullPath);
      case 'SCHEMA': {
        const s = parseSchemaName(detail.objectFullPath);
        return `${s.catalog}.${s.schema}`;
      }
      case 'TABLE':
        return formatTableName(parseTableName(detail.objectFullPath));
    }
  } catch (error) {
    if (error instanceof TributaryError) throw new OAuthError('invalid_request', `authorization_details: ${error.message}`);
    throw error;
  }
}

function objectsOf(request: TokenRequest): string[] | undefined {
  return request.authorizationDetails?.map((d) => `${d.objectType} ${d.objectFullPath}`);
}
