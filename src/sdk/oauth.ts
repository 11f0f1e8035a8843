/**
 * OAuth client credentials exactly as the official client requests them (client report §1): the same URL,
 * headers and form body byte for byte, so a server cannot tell the two apart, and the same error classes
 * (4xx fails fast, 5xx and network failures are retried by the caller).
 */
import http from 'node:http';
import https from 'node:https';
import { ZerobusError } from './zerobus-error.js';
import type { TableName } from './table-name.js';

/** Everything needed to ask the workspace for a token. */
export interface TokenRequest {
  /** Workspace URL; the token endpoint is `${unityCatalogUrl}/oidc/v1/token`. */
  readonly unityCatalogUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly table: TableName;
  readonly workspaceId: string;
  /** Trusted CA certificates (PEM) for an `https://` workspace URL, replacing Node's defaults when set. */
  readonly ca?: readonly string[];
}

/**
 * The privileges a stream needs, in the official order and with keys sorted as serde_json writes them.
 * The table entry names the `zerobuswrite` operation, as current clients do.
 */
export function authorizationDetails(table: TableName): string {
  const catalog = table.catalog;
  const schema = `${table.catalog}.${table.schema}`;
  return JSON.stringify([
    {
      object_full_path: catalog,
      object_type: 'CATALOG',
      privileges: ['USE CATALOG'],
      type: 'unity_catalog_privileges',
    },
    {
      object_full_path: schema,
      object_type: 'SCHEMA',
      privileges: ['USE SCHEMA'],
      type: 'unity_catalog_privileges',
    },
    {
      object_full_path: table.full,
      object_type: 'TABLE',
      operations: ['zerobuswrite'],
      privileges: ['SELECT', 'MODIFY'],
      type: 'unity_catalog_privileges',
    },
  ]);
}

/** The `application/x-www-form-urlencoded` body: four fields, in the official order and encoding. */
export function tokenRequestBody(table: TableName, workspaceId: string): string {
  return new URLSearchParams([
    ['grant_type', 'client_credentials'],
    ['scope', 'all-apis'],
    ['resource', `api://databricks/workspaces/${workspaceId}/zerobusDirectWriteApi`],
    ['authorization_details', authorizationDetails(table)],
  ]).toString();
}

/** Classifies a token endpoint answer into the token or the official client's error. */
export function tokenFromResponse(statusCode: number, body: string): string {
  if (statusCode >= 500) {
    throw new ZerobusError(`Token fetch failed: Unity catalog server error (${statusCode}): ${body}`, true);
  }
  if (statusCode < 200 || statusCode >= 300) {
    throw new ZerobusError(`Specified UC token is in invalid format: Client error (${statusCode}): ${body}`, false);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new ZerobusError(`Specified UC token is in invalid format: ${(error as Error).message}`, false);
  }
  const token = (parsed as { access_token?: unknown } | null)?.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new ZerobusError('Specified UC token is in invalid format: access_token missing', false);
  }
  return token;
}

/** POSTs the token request; resolves to the access token. `signal` aborts it (creation timeout). */
export function fetchToken(request: TokenRequest, signal?: AbortSignal): Promise<string> {
  const url = new URL(`${request.unityCatalogUrl}/oidc/v1/token`);
  const body = tokenRequestBody(request.table, request.workspaceId);
  const basic = Buffer.from(`${request.clientId}:${request.clientSecret}`).toString('base64');
  const headers = {
    authorization: `Basic ${basic}`,
    'content-type': 'application/x-www-form-urlencoded',
    accept: '*/*',
    'content-length': Buffer.byteLength(body),
  };
  const secure = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const networkError = (error: Error): void =>
      reject(
        new ZerobusError(`Token fetch failed: Network error: ${error.message}`, true, undefined, { cause: error }),
      );
    const options: https.RequestOptions = {
      method: 'POST',
      headers,
      ...(signal && { signal }),
      ...(secure && request.ca && { ca: [...request.ca] }),
    };
    const req = (secure ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', networkError);
      res.on('end', () => {
        try {
          resolve(tokenFromResponse(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('error', networkError);
    req.end(body);
  });
}
