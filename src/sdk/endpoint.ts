/**
 * The Zerobus endpoint as the official clients read it: scheme (https when none is written), the address
 * to dial, and the workspace id that scopes OAuth tokens.
 */
import { ZerobusError } from './zerobus-error.js';

/** A parsed Zerobus endpoint. */
export interface ZerobusEndpoint {
  /** `http:` means plaintext HTTP/2 (h2c); `https:` means TLS. */
  readonly secure: boolean;
  /** `host:port` to dial, the port defaulted from the scheme. */
  readonly address: string;
  /** What the token's `resource` names: the text between the scheme and the first dot. */
  readonly workspaceId: string;
}

/**
 * Parses an endpoint such as `https://1234567890.zerobus.us-west-2.cloud.databricks.com` or
 * `http://127.0.0.1:50051`. The workspace id follows the official derivation exactly, port included when
 * there is no dot (`http://localhost:50051` gives `localhost:50051`, `http://127.0.0.1:50051` gives `127`).
 */
export function parseEndpoint(endpoint: string): ZerobusEndpoint {
  const withScheme = /^https?:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ZerobusError(`Invalid Zerobus endpoint: ${endpoint}`, false);
  }
  const secure = url.protocol === 'https:';
  const afterScheme = withScheme.replace(/^https?:\/\//i, '');
  const workspaceId = afterScheme.split('.')[0]?.replace(/\/.*$/, '') ?? '';
  if (workspaceId === '' || url.hostname === '') {
    throw new ZerobusError(`Failed to extract workspace_id from zerobus_endpoint: ${endpoint}`, false);
  }
  // `hostname` keeps the brackets of an IPv6 literal, so this is a valid dial address either way.
  const port = url.port || (secure ? '443' : '80');
  return { secure, address: `${url.hostname}:${port}`, workspaceId };
}
