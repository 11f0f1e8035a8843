/**
 * Access tokens: EdDSA-signed JWTs issued by the OAuth endpoint and checked on every REST request and
 * every ingest stream. A token names its principal (`sub`) and, when the client asked for them with
 * `authorization_details`, the privileges it was granted; REST requests still check grants live.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { Privilege, SecurableType } from '../catalog/model.js';
import { TributaryError } from '../errors.js';
import {
  AuthorizationDetailsError,
  authorizationDetailsJson,
  parseAuthorizationDetails,
  type AuthorizationDetail,
} from './authorization-details.js';
import { SIGNING_ALG, type SigningKey } from './keys.js';

/** The `iss` of every token. */
export const TOKEN_ISSUER = 'tributary';
/** The `aud` when the client named no `resource`. */
export const DEFAULT_AUDIENCE = 'tributary';
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;

/** What a token says, once its signature, issuer and lifetime have been checked. */
export interface AccessClaims {
  /** The principal's application id (`sub`). */
  readonly principal: string;
  readonly audience: string;
  readonly scope: string;
  /** Epoch seconds. */
  readonly issuedAt: number;
  /** Epoch seconds. */
  readonly expiresAt: number;
  /** `jti`: names the token in logs without revealing it. */
  readonly tokenId: string;
  /** The privileges granted at issue time; absent when the client asked for none. */
  readonly authorizationDetails?: readonly AuthorizationDetail[];
}

/** What the OAuth endpoint decided to put in a token. */
export interface TokenGrant {
  readonly principal: string;
  readonly scope: string;
  /** The `resource` the client named, if any. */
  readonly audience?: string;
  readonly authorizationDetails?: readonly AuthorizationDetail[];
}

export interface IssuedToken {
  readonly token: string;
  /** Seconds until expiry, for the `expires_in` field. */
  readonly expiresIn: number;
  readonly claims: AccessClaims;
}

export interface TokensOptions {
  /** Token lifetime; config `tokenTtlSeconds`. */
  readonly ttlSeconds?: number;
  /** Clock in epoch milliseconds; tests move it instead of waiting. */
  readonly now?: () => number;
}

/** Issues and verifies access tokens with one signing key. */
export class Tokens {
  private readonly ttlSeconds: number;
  private readonly now: () => number;

  constructor(
    private readonly key: SigningKey,
    options: TokensOptions = {},
  ) {
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
    this.now = options.now ?? Date.now;
  }

  /** Signs a token for a grant the caller has already authorized. */
  async issue(grant: TokenGrant): Promise<IssuedToken> {
    const issuedAt = Math.floor(this.now() / 1000);
    const claims: AccessClaims = {
      principal: grant.principal,
      audience: grant.audience ?? DEFAULT_AUDIENCE,
      scope: grant.scope,
      issuedAt,
      expiresAt: issuedAt + this.ttlSeconds,
      tokenId: randomUUID(),
      ...(grant.authorizationDetails ? { authorizationDetails: grant.authorizationDetails } : {}),
    };
    const payload: JWTPayload = {
      scope: claims.scope,
      ...(claims.authorizationDetails
        ? { authorization_details: authorizationDetailsJson(claims.authorizationDetails) }
        : {}),
    };
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: SIGNING_ALG, kid: this.key.kid, typ: 'at+jwt' })
      .setIssuer(TOKEN_ISSUER)
      .setSubject(claims.principal)
      .setAudience(claims.audience)
      .setIssuedAt(claims.issuedAt)
      .setExpirationTime(claims.expiresAt)
      .setJti(claims.tokenId)
      .sign(this.key.privateKey);
    return { token, expiresIn: this.ttlSeconds, claims };
  }

  /**
   * Checks a token's signature, algorithm, issuer and expiry and returns its claims.
   * @throws TributaryError `unauthenticated` whose message says why the token was refused.
   */
  async verify(token: string): Promise<AccessClaims> {
    let payload: JWTPayload;
    try {
      // The audience is not checked: clients name the workspace they think they talk to in `resource`
      // (derived from whatever host they used), and one server answers for all of them.
      ({ payload } = await jwtVerify(token, this.key.publicKey, {
        algorithms: [SIGNING_ALG],
        issuer: TOKEN_ISSUER,
        currentDate: new Date(this.now()),
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      }));
    } catch (error) {
      throw refusal(token, error);
    }
    return claimsOf(payload);
  }
}

function refusal(token: string, error: unknown): TributaryError {
  const why = (message: string) => new TributaryError('unauthenticated', `access token refused: ${message}`);
  if (error instanceof errors.JWTExpired) {
    const exp = typeof error.payload.exp === 'number' ? new Date(error.payload.exp * 1000).toISOString() : 'unknown';
    return why(`it expired at ${exp}; request a new token from /oidc/v1/token`);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') {
      return why(`issuer ${JSON.stringify(error.payload.iss)} is not ${JSON.stringify(TOKEN_ISSUER)}; it was not issued by this server`);
    }
    return why(`claim "${error.claim}" is invalid (${error.reason})`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return why(`it is signed with algorithm ${JSON.stringify(headerAlg(token))}; only ${SIGNING_ALG} tokens issued by this server are accepted`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return why('its signature does not match: it was altered or was not issued by this server');
  }
  return why('it is malformed (expected a JWT: three base64url parts separated by dots, as issued by /oidc/v1/token)');
}

function headerAlg(token: string): unknown {
  try {
    return decodeProtectedHeader(token).alg;
  } catch {
    return undefined;
  }
}

/** Types the verified payload; a shape this server never issues means the token is not ours. */
function claimsOf(payload: JWTPayload): AccessClaims {
  const malformed = (what: string) =>
    new TributaryError('unauthenticated', `access token refused: its claims are malformed (${what})`);
  const { sub, aud, scope, iat, exp, jti } = payload;
  if (typeof sub !== 'string' || sub === '') throw malformed('sub');
  if (typeof aud !== 'string') throw malformed('aud');
  if (typeof scope !== 'string') throw malformed('scope');
  if (typeof iat !== 'number' || typeof exp !== 'number' || typeof jti !== 'string') throw malformed('iat/exp/jti');
  const claims: AccessClaims = { principal: sub, audience: aud, scope, issuedAt: iat, expiresAt: exp, tokenId: jti };
  if (payload.authorization_details === undefined) return claims;
  try {
    return { ...claims, authorizationDetails: parseAuthorizationDetails(payload.authorization_details) };
  } catch (error) {
    if (error instanceof AuthorizationDetailsError) throw malformed(error.message);
    throw error;
  }
}

/**
 * Whether a token's granted privileges cover `privilege` on an object: granted on the object itself or on
 * an enclosing catalog or schema (as Unity Catalog inherits), directly or through ALL PRIVILEGES.
 * A token without authorization details allows nothing here; callers then check grants live.
 */
export function tokenAllows(
  claims: AccessClaims,
  privilege: Privilege,
  objectType: SecurableType,
  fullPath: string,
): boolean {
  const target = fullPath.toLowerCase().split('.');
  const depth: Record<SecurableType, number> = { CATALOG: 1, SCHEMA: 2, TABLE: 3 };
  if (target.length !== depth[objectType]) return false;
  return (claims.authorizationDetails ?? []).some((detail) => {
    const path = detail.objectFullPath.toLowerCase().split('.');
    const encloses = path.length <= target.length && path.every((part, i) => part === target[i]);
    return encloses && (detail.privileges.includes(privilege) || detail.privileges.includes('ALL PRIVILEGES'));
  });
}

/**
 * The token in an `Authorization: Bearer <token>` header (HTTP or gRPC metadata).
 * @throws TributaryError `unauthenticated` saying what is missing.
 */
export function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') {
    throw new TributaryError(
      'unauthenticated',
      'missing credentials: send "Authorization: Bearer <token>" with a token from POST /oidc/v1/token',
    );
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization.trim());
  if (!match) {
    throw new TributaryError(
      'unauthenticated',
      'the Authorization header must use the Bearer scheme: "Authorization: Bearer <token>"',
    );
  }
  return match[1]!;
}
