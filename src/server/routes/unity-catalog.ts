/**
 * The Unity Catalog REST endpoints Tributary serves (`/api/2.1/unity-catalog/...`): catalogs, schemas,
 * tables and permissions, with the paths and JSON shapes the Databricks SDKs and Zerobus tools expect.
 *
 * Every request needs a bearer token; what the principal may do is decided live from the store on each
 * request, so a REVOKE takes effect at once whatever tokens are outstanding.
 */
import type { AccessControl } from '../../catalog/access.js';
import { missing } from '../../catalog/catalog-errors.js';
import type { Catalog } from '../../catalog/catalog.js';
import type { CatalogStore, Principal, Privilege, SecurableType, TableInfo } from '../../catalog/model.js';
import { parseSchemaName, parseTableName, validateIdentifier } from '../../catalog/names.js';
import { assertPrivilegeApplies, parsePrivilege } from '../../catalog/privileges.js';
import { bearerToken, type Tokens } from '../../auth/tokens.js';
import { TributaryError } from '../../errors.js';
import type { Route, RouteRequest, RouteResponse } from './router.js';
import {
  catalogJson,
  optionalString,
  parseCreateTable,
  parseJsonObject,
  privilegeAssignmentsJson,
  requiredString,
  schemaJson,
  tableJson,
} from './uc-json.js';

export interface UnityCatalogDeps {
  readonly catalog: Catalog;
  readonly store: CatalogStore;
  readonly access: AccessControl;
  readonly tokens: Tokens;
}

const BASE = '/api/2.1/unity-catalog';
/** Largest page of `GET /tables`; `max_results=0` asks for exactly this. */
export const MAX_TABLES_PAGE = 1000;

type Handler = (request: RouteRequest, principal: Principal) => Promise<RouteResponse>;

/** Every Unity Catalog route. */
export function unityCatalogRoutes(deps: UnityCatalogDeps): Route[] {
  const api = new UnityCatalogApi(deps);
  const route = (method: Route['method'], path: string, handler: Handler): Route => ({
    method,
    pattern: `${BASE}${path}`,
    handle: async (request) => handler.call(api, request, await api.authenticate(request)),
  });
  return [
    route('GET', '/catalogs', api.listCatalogs),
    route('POST', '/catalogs', api.createCatalog),
    route('GET', '/catalogs/:name', api.getCatalog),
    route('DELETE', '/catalogs/:name', api.deleteCatalog),
    route('GET', '/schemas', api.listSchemas),
    route('POST', '/schemas', api.createSchema),
    route('GET', '/schemas/:full_name', api.getSchema),
    route('DELETE', '/schemas/:full_name', api.deleteSchema),
    route('GET', '/tables', api.listTables),
    route('POST', '/tables', api.createTable),
    route('GET', '/tables/:full_name', api.getTable),
    route('DELETE', '/tables/:full_name', api.deleteTable),
    route('GET', '/permissions/:securable_type/:full_name', api.getPermissions),
    route('PATCH', '/permissions/:securable_type/:full_name', api.updatePermissions),
  ];
}

const ok = (json: unknown): RouteResponse => ({ status: 200, json });

function denied(reason: string, table?: string): TributaryError {
  return new TributaryError('permission_denied', reason, table === undefined ? {} : { table }, 'PERMISSION_DENIED');
}

function param(request: RouteRequest, name: string): string {
  const value = request.params[name];
  if (value === undefined) throw new TributaryError('internal', `route without :${name}`);
  return value;
}

function requiredQuery(request: RouteRequest, name: string): string {
  const value = request.query.get(name);
  if (value === null || value === '') {
    throw new TributaryError('invalid_argument', `query parameter ${name} is required`, { field: name });
  }
  return value;
}

function flag(request: RouteRequest, name: string): boolean {
  const value = request.query.get(name);
  if (value === null || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw new TributaryError('invalid_argument', `query parameter ${name} must be true or false`, { field: name });
}

class UnityCatalogApi {
  constructor(private readonly deps: UnityCatalogDeps) {}

  /** The principal behind the request's bearer token; it must still exist. */
  async authenticate(request: RouteRequest): Promise<Principal> {
    const claims = await this.deps.tokens.verify(bearerToken(request.headers.authorization));
    const principal = await this.deps.store.getPrincipal(claims.principal);
    if (!principal || principal.applicationId !== claims.principal) {
      throw new TributaryError('unauthenticated', `access token refused: principal ${claims.principal} no longer exists`);
    }
    return principal;
  }

  /** Throws PERMISSION_DENIED unless every check allows; checks run in order and stop at the first refusal. */
  private async require(
    principal: Principal,
    checks: readonly [Privilege, SecurableType, string][],
    table?: string,
  ): Promise<void> {
    for (const [privilege, type, name] of checks) {
      const decision = await this.deps.access.checkUsable(principal, privilege, { type, name });
      if (!decision.allowed) throw denied(decision.reason, table);
    }
  }

  private async requireOwner(principal: Principal, type: SecurableType, name: string, action: string): Promise<void> {
    if (!(await this.deps.access.isOwnerOrAdmin(principal, { type, name }))) {
      throw denied(`principal '${principal.displayName}' may not ${action} ${type.toLowerCase()} ${name}: only its owner or an admin may`);
    }
  }

  private async allowed(principal: Principal, privilege: Privilege, type: SecurableType, name: string): Promise<boolean> {
    return (await this.deps.access.checkUsable(principal, privilege, { type, name })).allowed;
  }

  /** Whether the principal may read a table: any of SELECT or MODIFY (ALL PRIVILEGES and ownership included). */
  private async mayReadTable(principal: Principal, fullName: string): Promise<boolean> {
    return (
      (await this.allowed(principal, 'SELECT', 'TABLE', fullName)) ||
      (await this.allowed(principal, 'MODIFY', 'TABLE', fullName))
    );
  }

  async listCatalogs(_request: RouteRequest, principal: Principal): Promise<RouteResponse> {
    const visible = [];
    for (const c of await this.deps.catalog.listCatalogs()) {
      if (await this.allowed(principal, 'USE CATALOG', 'CATALOG', c.name)) visible.push(catalogJson(c));
    }
    return ok({ catalogs: visible });
  }

  async createCatalog(request: RouteRequest, principal: Principal): Promise<RouteResponse> {
    const body = parseJsonObject(request.body);
    const name = requiredString(body, 'name');
    const comment = optionalString(body, 'comment');
    if (!principal.admin) throw denied(`principal '${principal.displayName}' may not create catalogs: only admins may`);
    const created = await this.deps.catalog.createCatalog(name, {
      owner: principal.applicationId,
      ...(comment === undefined ? {} : { comment }),
    });
    return ok(catalogJson(created));
  }

  async getCatalog(request: RouteRequest, principal: Principal): Promise<RouteResponse> {
    const info = await this.deps.catalog.getCatalog(param(request, 'name'));
    await this.require(principal, [['USE CATALOG', 'CATALOG', info.name]]);
    return ok(catalogJson(info));
  }

  async deleteCatalog(request: RouteRequest, principal: Principal): Promise<RouteResponse> {
    const info = await this.deps.catalog.getCatalog(param(request, 'name'));
    await this.requireOwner(principal, 'CATALOG', info.name, 'delete');
    await this.deps.catalog.deleteCatalog(info.name, { force: flag(request, 'force') });
    return ok({});
  }

  async listSchemas(request: RouteRequest, principal: Principal): Promise<RouteResponse> {
    const catalog = await this.deps.catalog.getCatalog(requiredQuery(request, 'catalog_name'));
    await this.require(principal, [['USE CATALOG', 'CATALOG', catalog.name]]);
    const visible = [];
    for (const s of await this.deps.catalog.listSchemas(catalog.name)) {
      if (await this.allowed(principal, 'USE SCHEMA', 'SCHEMA', `${catalog.name}.${s.name}`)) visible.push(schemaJson(s));
    }
    return ok({ schemas: visible });
  }

  async createSchema(request: RouteRequest, principal: Principal): Promise<RouteResponse> {
    const body = parseJsonObject(request.body);
    const name = validateIdentifier('schema', requiredString(body, 'name'));
    const comment = optionalString(body, 'comment');
    const catalog = await this.deps.catalog.getCatalog(requiredString(body, 'catalog_name'));
    await this.require(principal, [
      ['USE CATALOG', 'CATALOG', catalog.name],
      ['CREATE SCHEMA', 'CATALOG', catalog.name],
    ]);
    const created = await this.deps.catalog.createSchema(catalog.name, name, {
      owner: principal.applicationId,
      ...(comment === undefined ? {} : { comment }),
    });
    return ok(schemaJson(created));
  }

  async getSchema(request: RouteRequest, principal: Principal): Promise<RouteResponse> {
    const { catalog, schema } = parseSchemaName(param(request, 'full_name'));
    const info = await this.deps.catalog.getSchema(catalog, schema);
    await this.require(principal, [['USE SCHEMA', 'SCHEMA', `${catalog}.${schema}`]]);
    return ok(schemaJson(info));
  }

  async deleteSchema(request: RouteRequest, principal: Principal): Promise<RouteResponse> {
    const { catalog, schema } = parseSchemaName(param(request, 'full_name'));
    await this.deps.catalog.getSchema(catalog, schema);
    await this.requireOwner(principal, 'SCHEMA', `${catalog}.${schema}`, 'delete');
    await this.deps.catalog.deleteSchema(catalog, schema, { force: flag(request, 'force') });
    return ok({});
  }

  async listTables(request: RouteRequest, principal: Principal): Promise<RouteResponse> {
    const schema = await this.deps.catalog.getSchema(
      requiredQuery(request, 'catalog_name'),
      requiredQuery(request, 'schema_name'),
    );
    const schemaName = `${schema.catalogName}.${schema.name}`;
    await this.require(principal, [['USE SCHEMA', 'SCHEMA', schemaName]]);
    const pageSize = parseMaxResults(request.query.get('max_results'));
    const after = parsePageToken(request.query.get('page_token'));
    const page: TableInfo[] = [];
    let more = false;
    for (const t of await this.deps.catalog.listTables(schema.catalogName, schema.name)) {
      if (after !== undefined && t.name <= after) continue;
      if (!(await this.mayReadTable(principal, t.fullName))) continue;
      if (page.length === pageSize) {
        more = true;
        break;
      }
      page.push(t);
    }
    const last = page[page.length - 1];
    return ok({
      tables: page.map(tableJson),
      ...(more && last ? { next_page_token: Buffer.from(last.name).toString('base64url') } : {}),
    });
  }

  async createTable(request: RouteRequest, principal: Principal): Promise<RouteResponse> {
    const input = parseCreateTable(parseJsonObject(request.body), principal.applicationId);
    const schema = await this.deps.catalog.getSchema(input.name.catalog, input.name.schema);
    const schemaName = `${schema.catalogName}.${schema.name}`;
    await this.require(principal, [
      ['USE SCHEMA', 'SCHEMA', schemaName],
      ['CREATE TABLE', 'SCHEMA', schemaName],
    ]);
    const { table } = await this.deps.catalog.createTable(input);
    return ok(tableJson(table));
  }

  async getTable(request: RouteRequest, principal: Principal): Promise<RouteResponse> {
    const table = await this.deps.catalog.getTable(parseTableName(param(request, 'full_name')));
    if (!(await this.mayReadTable(principal, table.fullName))) {
      const decision = await this.deps.access.checkUsable(principal, 'SELECT', { type: 'TABLE', name: table.fullName });
      throw denied(decision.allowed ? `access to table ${table.fullName} denied` : decision.reason, table.fullName);
    }
    return ok(tableJson(table));
  }

  async deleteTable(request: RouteRequest, principal: Principal): Promise<RouteResponse> {
    const table = await this.deps.catalog.getTable(parseTableName(param(request, 'full_name')));
    await this.requireOwner(principal, 'TABLE', table.fullName, 'delete');
    await this.deps.catalog.deleteTable(parseTableName(table.fullName));
    return ok({});
  }

  async getPermissions(request: RouteRequest, principal: Principal): Promise<RouteResponse> {
    const { type, name } = await this.securable(request);
    const grants = await this.deps.store.grantsOn(type, name);
    // Owners and admins see every assignment; anyone else only their own.
    const visible = (await this.deps.access.isOwnerOrAdmin(principal, { type, name }))
      ? grants
      : grants.filter((g) => g.principal === principal.applicationId);
    return ok({ privilege_assignments: privilegeAssignmentsJson(visible) });
  }

  async updatePermissions(request: RouteRequest, principal: Principal): Promise<RouteResponse> {
    const { type, name } = await this.securable(request);
    const body = parseJsonObject(request.body);
    await this.requireOwner(principal, type, name, 'change permissions on');
    if (!Array.isArray(body.changes)) throw new TributaryError('invalid_argument', 'changes is required and must be an array');
    // Everything is validated before anything is applied, so a bad entry changes nothing.
    const changes = [];
    for (const [i, change] of body.changes.entries()) changes.push(await this.permissionChange(change, i, type));
    for (const change of changes) {
      for (const privilege of change.add) {
        await this.deps.store.grant({ principal: change.principal, securableType: type, securableName: name, privilege });
      }
      for (const privilege of change.remove) {
        await this.deps.store.revoke({ principal: change.principal, securableType: type, securableName: name, privilege });
      }
    }
    return ok({ privilege_assignments: privilegeAssignmentsJson(await this.deps.store.grantsOn(type, name)) });
  }

  private async permissionChange(
    json: unknown,
    index: number,
    type: SecurableType,
  ): Promise<{ principal: string; add: Privilege[]; remove: Privilege[] }> {
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new TributaryError('invalid_argument', `changes[${index}] must be an object`);
    }
    const o = json as Record<string, unknown>;
    const who = requiredString(o, 'principal', `changes[${index}].`);
    const target = await this.deps.store.getPrincipal(who);
    if (!target) throw missing.principal(who);
    const privileges = (key: 'add' | 'remove'): Privilege[] => {
      const list = o[key] ?? [];
      if (!Array.isArray(list) || !list.every((p): p is string => typeof p === 'string')) {
        throw new TributaryError('invalid_argument', `changes[${index}].${key} must be an array of privilege names`);
      }
      return list.map((p) => {
        const privilege = parsePrivilege(p);
        assertPrivilegeApplies(privilege, type);
        return privilege;
      });
    };
    return { principal: target.applicationId, add: privileges('add'), remove: privileges('remove') };
  }

  /** The securable named by a permissions path, which must exist. */
  private async securable(request: RouteRequest): Promise<{ type: SecurableType; name: string }> {
    const typeText = param(request, 'securable_type').toUpperCase();
    const fullName = param(request, 'full_name');
    switch (typeText) {
      case 'CATALOG':
        return { type: 'CATALOG', name: (await this.deps.catalog.getCatalog(fullName)).name };
      case 'SCHEMA': {
        const { catalog, schema } = parseSchemaName(fullName);
        await this.deps.catalog.getSchema(catalog, schema);
        return { type: 'SCHEMA', name: `${catalog}.${schema}` };
      }
      case 'TABLE':
        return { type: 'TABLE', name: (await this.deps.catalog.getTable(parseTableName(fullName))).fullName };
      default:
        throw new TributaryError(
          'invalid_argument',
          `securable type ${JSON.stringify(typeText.slice(0, 40))} is not supported; use catalog, schema or table`,
        );
    }
  }
}

/** `max_results` as Unity Catalog reads it: absent = everything, 0 = the server's page size. */
function parseMaxResults(text: string | null): number {
  if (text === null || text === '') return Number.POSITIVE_INFINITY;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    throw new TributaryError('invalid_argument', `max_results must be a non-negative integer, got ${JSON.stringify(text.slice(0, 40))}`, { field: 'max_results' });
  }
  return n === 0 ? MAX_TABLES_PAGE : Math.min(n, MAX_TABLES_PAGE);
}

/** Page tokens are the base64url of the last table name returned; anything else was not issued here. */
function parsePageToken(text: string | null): string | undefined {
  if (text === null || text === '') return undefined;
  const name = Buffer.from(text, 'base64url').toString('utf8');
  try {
    return validateIdentifier('table', name);
  } catch {
    throw new TributaryError('invalid_argument', 'page_token is not a token this server issued', { field: 'page_token' });
  }
}
