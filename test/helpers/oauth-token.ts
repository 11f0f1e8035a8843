/**
 * An access token for one table, requested the way the official Zerobus clients request it, for tests that
 * hand the official client fixed headers (its `headersProvider`) instead of letting it fetch tokens.
 */

/** POSTs `/oidc/v1/token` on `ucUrl` for `table` (`catalog.schema.table`) and returns the access token. */
export async function tableToken(ucUrl: string, credentials: { clientId: string; clientSecret: string }, table: string): Promise<string> {
  const [catalog, schema] = table.split('.');
  const details = [
    { type: 'unity_catalog_privileges', privileges: ['USE CATALOG'], object_type: 'CATALOG', object_full_path: catalog },
    { type: 'unity_catalog_privileges', privileges: ['USE SCHEMA'], object_type: 'SCHEMA', object_full_path: `${catalog}.${schema}` },
    { type: 'unity_catalog_privileges', privileges: ['SELECT', 'MODIFY'], object_type: 'TABLE', object_full_path: table },
  ];
  const response = await fetch(`${ucUrl}/oidc/v1/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'all-apis',
      resource: 'api://databricks/workspaces/127/zerobusDirectWriteApi',
      authorization_details: JSON.stringify(details),
    }),
  });
  if (response.status !== 200) throw new Error(`token request for ${table} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
