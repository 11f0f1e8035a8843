/**
 * The OAuth token request of the official Zerobus clients (official-ts-client-behaviour.md §1), for tests
 * that check the token endpoint, and for tests that hand the official client fixed headers (its
 * `headersProvider`) instead of letting it fetch tokens.
 */

/** The form body the official TypeScript SDK sends for a table (official-ts-client-behaviour.md §1). */
export function sdkTokenBody(table: string, workspaceId = '127'): string {
  const [catalog, schema] = table.split('.');
  const details = [
    { object_full_path: catalog, object_type: 'CATALOG', privileges: ['USE CATALOG'], type: 'unity_catalog_privileges' },
    { object_full_path: `${catalog}.${schema}`, object_type: 'SCHEMA', privileges: ['USE SCHEMA'], type: 'unity_catalog_privileges' },
    {
      object_full_path: table,
      object_type: 'TABLE',
      operations: ['zerobuswrite'],
      privileges: ['SELECT', 'MODIFY'],
      type: 'unity_catalog_privileges',
    },
  ];
  return new URLSearchParams({
    grant_type: 'client_credentials',
    scope: 'all-apis',
    resource: `api://databricks/workspaces/${workspaceId}/zerobusDirectWriteApi`,
    authorization_details: JSON.stringify(details),
  }).toString();
}

/** The headers the official SDK sends with its token request. */
export function sdkTokenHeaders(client: { clientId: string; clientSecret: string }): Record<string, string> {
  return {
    authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
    accept: '*/*',
  };
}

/** POSTs the official token request for `table` to `ucUrl` and returns the access token. */
export async function tableToken(ucUrl: string, credentials: { clientId: string; clientSecret: string }, table: string): Promise<string> {
  const response = await fetch(`${ucUrl}/oidc/v1/token`, {
    method: 'POST',
    headers: sdkTokenHeaders(credentials),
    body: sdkTokenBody(table),
  });
  if (response.status !== 200) throw new Error(`token request for ${table} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
