/**
 * The demo set-up of `npm start`: the table and the service principal from the Zerobus quick-start, so a
 * producer can stream right away with the code from the Databricks documentation.
 */
import { generateClientSecret, hashSecret } from '../auth/secrets.js';
import type { Catalog } from '../catalog/catalog.js';
import type { CatalogStore, Privilege, SecurableType } from '../catalog/model.js';
import { parseTypeText } from '../catalog/types.js';

export const DEMO_TABLE = 'main.default.air_quality';
export const DEMO_PRINCIPAL = 'demo-producer';

/** What the demo created; the secret is known only on the start that created the principal. */
export interface DemoCredentials {
  readonly table: string;
  readonly clientId: string;
  readonly clientSecret?: string;
}

/** Creates the demo table, principal and grants if they do not exist yet (idempotent). */
export async function createDemo(catalog: Catalog, store: CatalogStore): Promise<DemoCredentials> {
  await catalog.createTable(
    {
      name: { catalog: 'main', schema: 'default', table: 'air_quality' },
      columns: [
        { name: 'device_name', type: parseTypeText('STRING'), nullable: true, position: 0 },
        { name: 'temp', type: parseTypeText('INT'), nullable: true, position: 1 },
        { name: 'humidity', type: parseTypeText('BIGINT'), nullable: true, position: 2 },
      ],
      comment: 'Demo table of the Zerobus quick-start',
      owner: 'admin',
    },
    { ifNotExists: true },
  );
  let principal = await store.getPrincipal(DEMO_PRINCIPAL);
  let clientSecret: string | undefined;
  if (!principal) {
    clientSecret = generateClientSecret();
    principal = await store.createPrincipal(DEMO_PRINCIPAL, { secretHash: await hashSecret(clientSecret) });
  }
  const grants: [SecurableType, string, Privilege][] = [
    ['CATALOG', 'main', 'USE CATALOG'],
    ['SCHEMA', 'main.default', 'USE SCHEMA'],
    ['TABLE', DEMO_TABLE, 'SELECT'],
    ['TABLE', DEMO_TABLE, 'MODIFY'],
  ];
  for (const [securableType, securableName, privilege] of grants) {
    await store.grant({ principal: principal.applicationId, securableType, securableName, privilege });
  }
  return { table: DEMO_TABLE, clientId: principal.applicationId, ...(clientSecret ? { clientSecret } : {}) };
}
