/**
 * Access decisions with Unity Catalog's rules:
 * - admins may do anything;
 * - `ALL PRIVILEGES` implies every privilege;
 * - a privilege granted on a catalog applies to its schemas and tables, one granted on a schema to its tables;
 * - an object's owner holds every privilege on it and on what it contains;
 * - using a schema or table also needs `USE CATALOG` on its catalog and `USE SCHEMA` on its schema.
 *
 * Grants are read from the store on every check, so a GRANT or REVOKE (from any process) takes effect on the
 * next request; a check costs one indexed query for the grants on the object's chain, plus owner look-ups
 * only when grants do not suffice.
 */
import type { CatalogStore, Grant, Principal, Privilege, SecurableType, TableName } from './model.js';
import { formatTableName, parseSchemaName, parseTableName, validateIdentifier } from './names.js';
import { withAncestors, type Securable } from './privileges.js';

/** The outcome of a check; a refusal says which privilege on which object is missing. */
export type AccessDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const ALLOWED: AccessDecision = { allowed: true };

interface Requirement {
  readonly privilege: Privilege;
  readonly securable: Securable;
}

function normalizeSecurable(securable: { type: SecurableType; name: string }): Securable {
  switch (securable.type) {
    case 'CATALOG':
      return { type: 'CATALOG', name: validateIdentifier('catalog', securable.name) };
    case 'SCHEMA': {
      const { catalog, schema } = parseSchemaName(securable.name);
      return { type: 'SCHEMA', name: `${catalog}.${schema}` };
    }
    case 'TABLE':
      return { type: 'TABLE', name: formatTableName(parseTableName(securable.name)) };
  }
}

/** True when a grant on `securable` or one of its containers gives `privilege`. */
function granted(grants: readonly Grant[], privilege: Privilege, securable: Securable): boolean {
  const chain = withAncestors(securable);
  return grants.some(
    (g) =>
      (g.privilege === privilege || g.privilege === 'ALL PRIVILEGES') &&
      chain.some((s) => s.type === g.securableType && s.name === g.securableName),
  );
}

/** The USE privileges on the containers of `securable`, then `privilege` on it. */
function requirementsFor(privilege: Privilege, securable: Securable): Requirement[] {
  const chain = withAncestors(securable).reverse();
  const uses: Requirement[] = chain.slice(0, -1).map((container) => ({
    privilege: container.type === 'CATALOG' ? 'USE CATALOG' : 'USE SCHEMA',
    securable: container,
  }));
  return [...uses, { privilege, securable }];
}

/** Decides whether principals may act on catalog objects. */
export class AccessControl {
  constructor(private readonly store: CatalogStore) {}

  /**
   * Whether `principal` holds `privilege` on the securable, directly, through a container, through
   * `ALL PRIVILEGES` or through ownership. Does not check the USE privileges on containers; see
   * {@link checkUsable}.
   */
  async check(
    principal: Principal,
    privilege: Privilege,
    securable: { type: SecurableType; name: string },
  ): Promise<AccessDecision> {
    return this.checkAll(principal, [{ privilege, securable: normalizeSecurable(securable) }]);
  }

  /**
   * Like {@link check}, and also requires `USE CATALOG` on the securable's catalog and `USE SCHEMA` on its
   * schema (when it is a table): what it takes to actually use the object.
   */
  async checkUsable(
    principal: Principal,
    privilege: Privilege,
    securable: { type: SecurableType; name: string },
  ): Promise<AccessDecision> {
    return this.checkAll(principal, requirementsFor(privilege, normalizeSecurable(securable)));
  }

  /** The full check for using a table: USE CATALOG, USE SCHEMA, and `privilege` on the table. */
  async checkTable(principal: Principal, table: TableName, privilege: Privilege): Promise<AccessDecision> {
    return this.checkUsable(principal, privilege, { type: 'TABLE', name: formatTableName(table) });
  }

  /** Whether the principal is an admin or owns the securable or one of its containers. */
  async isOwnerOrAdmin(principal: Principal, securable: { type: SecurableType; name: string }): Promise<boolean> {
    return principal.admin || (await this.ownsAny(principal, normalizeSecurable(securable)));
  }

  private async checkAll(principal: Principal, requirements: readonly Requirement[]): Promise<AccessDecision> {
    if (principal.admin) return ALLOWED;
    // Every requirement concerns the last securable or one of its containers, so its chain covers them all.
    const target = requirements[requirements.length - 1]!.securable;
    const grants = await this.store.grantsCovering(principal.applicationId, target.type, target.name);
    for (const { privilege, securable } of requirements) {
      if (granted(grants, privilege, securable)) continue;
      if (await this.ownsAny(principal, securable)) continue;
      const object = `${securable.type.toLowerCase()} ${securable.name}`;
      return { allowed: false, reason: `principal '${principal.displayName}' lacks ${privilege} on ${object}` };
    }
    return ALLOWED;
  }

  private async ownsAny(principal: Principal, securable: Securable): Promise<boolean> {
    for (const s of withAncestors(securable)) {
      if ((await this.ownerOf(s)) === principal.applicationId) return true;
    }
    return false;
  }

  private async ownerOf(securable: Securable): Promise<string | undefined> {
    const [catalog = '', schema = '', table = ''] = securable.name.split('.');
    switch (securable.type) {
      case 'CATALOG':
        return (await this.store.getCatalog(catalog))?.owner;
      case 'SCHEMA':
        return (await this.store.getSchema(catalog, schema))?.owner;
      case 'TABLE':
        return (await this.store.getTable({ catalog, schema, table }))?.owner;
    }
  }
}
