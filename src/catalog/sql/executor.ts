/**
 * Runs parsed SQL statements against the catalog as a given principal. One- and two-part names resolve
 * against catalog `main` and schema `default`, as Databricks resolves them against the current catalog and
 * schema. Every statement is authorised with the same rules as the REST API and OAuth (`access.ts`).
 */
import { TributaryError } from '../../errors.js';
import type { AccessControl, AccessDecision } from '../access.js';
import { DEFAULT_CATALOG, DEFAULT_SCHEMA, type Catalog } from '../catalog.js';
import { missing } from '../catalog-errors.js';
import type { CatalogStore, Principal, Privilege, TableInfo, TableName } from '../model.js';
import { formatTableName, normalizeTableName, validateIdentifier } from '../names.js';
import { assertPrivilegeApplies, withAncestors, type Securable } from '../privileges.js';
import { typeDdl } from '../types.js';
import { parseSql } from './parser.js';
import type { ObjectName, SecurableRef, Statement } from './statements.js';

/** What statements run with: the catalog service, its store, access control, and who is asking. */
export interface SqlContext {
  readonly catalog: Catalog;
  readonly store: CatalogStore;
  readonly access: AccessControl;
  readonly principal: Principal;
}

/** One statement's outcome: a result table (possibly empty), and for DDL a sentence saying what happened. */
export interface SqlResult {
  /** The statement's text. */
  readonly statement: string;
  readonly columns: string[];
  readonly rows: string[][];
  readonly message?: string;
}

type Outcome = { columns: string[]; rows: string[][] } | { message: string };

function resolveSchemaName(name: ObjectName): { catalog: string; schema: string } {
  const [catalog, schema] = name.length === 1 ? [DEFAULT_CATALOG, name[0]!] : [name[0]!, name[1]!];
  return { catalog: validateIdentifier('catalog', catalog), schema: validateIdentifier('schema', schema) };
}

function resolveTableName(name: ObjectName): TableName {
  const [catalog, schema, table] = [DEFAULT_CATALOG, DEFAULT_SCHEMA].slice(0, 3 - name.length).concat(name);
  return normalizeTableName({ catalog: catalog!, schema: schema!, table: table! });
}

function resolveSecurable(ref: SecurableRef): Securable {
  switch (ref.type) {
    case 'CATALOG':
      return { type: 'CATALOG', name: validateIdentifier('catalog', ref.name[0]!) };
    case 'SCHEMA': {
      const { catalog, schema } = resolveSchemaName(ref.name);
      return { type: 'SCHEMA', name: `${catalog}.${schema}` };
    }
    case 'TABLE':
      return { type: 'TABLE', name: formatTableName(resolveTableName(ref.name)) };
  }
}

function describeSecurable(s: Securable): string {
  return `${s.type.toLowerCase()} ${s.name}`;
}

function demand(decision: AccessDecision): void {
  if (!decision.allowed) throw new TributaryError('permission_denied', decision.reason, {}, 'PERMISSION_DENIED');
}

function demandAdmin(ctx: SqlContext, action: string): void {
  if (!ctx.principal.admin) {
    throw new TributaryError(
      'permission_denied',
      `principal '${ctx.principal.displayName}' may not ${action}: only admins may`,
      {},
      'PERMISSION_DENIED',
    );
  }
}

async function demandOwnership(ctx: SqlContext, securable: Securable, action: string): Promise<void> {
  if (await ctx.access.isOwnerOrAdmin(ctx.principal, securable)) return;
  throw new TributaryError(
    'permission_denied',
    `principal '${ctx.principal.displayName}' may not ${action} ${describeSecurable(securable)}: ` +
      'only its owner, the owner of a container, or an admin may',
    {},
    'PERMISSION_DENIED',
  );
}

/** Allowed when the principal may use the table for any of the privileges. */
async function checkTableAny(
  ctx: SqlContext,
  table: TableName,
  privileges: readonly Privilege[],
): Promise<AccessDecision> {
  let first: AccessDecision | undefined;
  for (const privilege of privileges) {
    const decision = await ctx.access.checkTable(ctx.principal, table, privilege);
    if (decision.allowed) return decision;
    first ??= decision;
  }
  return first!;
}

/** Throws the object's UC not-found error unless it exists. */
async function requireSecurable(ctx: SqlContext, securable: Securable): Promise<void> {
  const [catalog = '', schema = '', table = ''] = securable.name.split('.');
  if (securable.type === 'CATALOG') await ctx.catalog.getCatalog(catalog);
  else if (securable.type === 'SCHEMA') await ctx.catalog.getSchema(catalog, schema);
  else await ctx.catalog.getTable({ catalog, schema, table });
}

async function exists(ctx: SqlContext, securable: Securable): Promise<boolean> {
  try {
    await requireSecurable(ctx, securable);
    return true;
  } catch (error) {
    if (error instanceof TributaryError && error.kind === 'not_found') return false;
    throw error;
  }
}

async function createCatalog(ctx: SqlContext, s: Extract<Statement, { kind: 'createCatalog' }>): Promise<Outcome> {
  demandAdmin(ctx, 'create catalogs');
  const name = validateIdentifier('catalog', s.name);
  if (s.ifNotExists && (await ctx.store.getCatalog(name))) {
    return { message: `catalog ${name} already exists; nothing done` };
  }
  await ctx.catalog.createCatalog(name, {
    owner: ctx.principal.applicationId,
    ...(s.comment === undefined ? {} : { comment: s.comment }),
  });
  return { message: `created catalog ${name}` };
}

async function createSchema(ctx: SqlContext, s: Extract<Statement, { kind: 'createSchema' }>): Promise<Outcome> {
  const { catalog, schema } = resolveSchemaName(s.name);
  const full = `${catalog}.${schema}`;
  demand(await ctx.access.check(ctx.principal, 'USE CATALOG', { type: 'CATALOG', name: catalog }));
  demand(await ctx.access.check(ctx.principal, 'CREATE SCHEMA', { type: 'CATALOG', name: catalog }));
  if (s.ifNotExists && (await ctx.store.getSchema(catalog, schema))) {
    return { message: `schema ${full} already exists; nothing done` };
  }
  await ctx.catalog.createSchema(catalog, schema, {
    owner: ctx.principal.applicationId,
    ...(s.comment === undefined ? {} : { comment: s.comment }),
  });
  return { message: `created schema ${full}` };
}

async function createTable(ctx: SqlContext, s: Extract<Statement, { kind: 'createTable' }>): Promise<Outcome> {
  const name = resolveTableName(s.name);
  const schema = { type: 'SCHEMA' as const, name: `${name.catalog}.${name.schema}` };
  demand(await ctx.access.checkUsable(ctx.principal, 'USE SCHEMA', schema));
  demand(await ctx.access.check(ctx.principal, 'CREATE TABLE', schema));
  const { created } = await ctx.catalog.createTable(
    {
      name,
      columns: s.columns.map((c, position) => ({ ...c, position })),
      properties: s.properties,
      owner: ctx.principal.applicationId,
      ...(s.comment === undefined ? {} : { comment: s.comment }),
    },
    { ifNotExists: s.ifNotExists },
  );
  const full = formatTableName(name);
  return { message: created ? `created table ${full}` : `table ${full} already exists; nothing done` };
}

async function drop(ctx: SqlContext, s: Extract<Statement, { kind: 'drop' }>): Promise<Outcome> {
  const securable = resolveSecurable({ type: s.objectType, name: s.name });
  const what = describeSecurable(securable);
  if (!(await exists(ctx, securable))) {
    if (s.ifExists) return { message: `${what} does not exist; nothing done` };
    await requireSecurable(ctx, securable);
  }
  await demandOwnership(ctx, securable, 'drop');
  const [catalog = '', schema = '', table = ''] = securable.name.split('.');
  const opts = { force: s.cascade, ifExists: s.ifExists };
  if (securable.type === 'CATALOG') await ctx.catalog.deleteCatalog(catalog, opts);
  else if (securable.type === 'SCHEMA') await ctx.catalog.deleteSchema(catalog, schema, opts);
  else await ctx.catalog.deleteTable({ catalog, schema, table }, opts);
  return { message: `dropped ${what}` };
}

async function grantOrRevoke(ctx: SqlContext, s: Extract<Statement, { kind: 'grant' | 'revoke' }>): Promise<Outcome> {
  const securable = resolveSecurable(s.securable);
  for (const privilege of s.privileges) assertPrivilegeApplies(privilege, securable.type);
  await requireSecurable(ctx, securable);
  const principal = await ctx.store.getPrincipal(s.principal);
  if (!principal) {
    throw new TributaryError(
      'not_found',
      `Principal '${s.principal}' does not exist. Create it with: tributary principal create ${s.principal}`,
      {},
      'PRINCIPAL_DOES_NOT_EXIST',
    );
  }
  await demandOwnership(ctx, securable, s.kind === 'grant' ? 'grant privileges on' : 'revoke privileges on');
  const base = { principal: principal.applicationId, securableType: securable.type, securableName: securable.name };
  const list = s.privileges.join(', ');
  if (s.kind === 'grant') {
    for (const privilege of s.privileges) await ctx.store.grant({ ...base, privilege });
    return { message: `granted ${list} on ${describeSecurable(securable)} to '${principal.displayName}'` };
  }
  // REVOKE ALL PRIVILEGES takes away everything granted on the object, as in Databricks.
  const revoked = s.privileges.includes('ALL PRIVILEGES')
    ? (await ctx.store.grantsOn(securable.type, securable.name))
        .filter((g) => g.principal === principal.applicationId)
        .map((g) => g.privilege)
    : s.privileges;
  for (const privilege of revoked) await ctx.store.revoke({ ...base, privilege });
  return { message: `revoked ${list} on ${describeSecurable(securable)} from '${principal.displayName}'` };
}

async function showCatalogs(ctx: SqlContext): Promise<Outcome> {
  const rows: string[][] = [];
  for (const c of await ctx.catalog.listCatalogs()) {
    const decision = await ctx.access.check(ctx.principal, 'USE CATALOG', { type: 'CATALOG', name: c.name });
    if (decision.allowed) rows.push([c.name]);
  }
  return { columns: ['catalog'], rows };
}

async function showSchemas(ctx: SqlContext, s: Extract<Statement, { kind: 'showSchemas' }>): Promise<Outcome> {
  const catalog = validateIdentifier('catalog', s.catalog ?? DEFAULT_CATALOG);
  demand(await ctx.access.check(ctx.principal, 'USE CATALOG', { type: 'CATALOG', name: catalog }));
  const rows: string[][] = [];
  for (const schema of await ctx.catalog.listSchemas(catalog)) {
    const securable = { type: 'SCHEMA' as const, name: `${catalog}.${schema.name}` };
    if ((await ctx.access.check(ctx.principal, 'USE SCHEMA', securable)).allowed) rows.push([schema.name]);
  }
  return { columns: ['databaseName'], rows };
}

async function showTables(ctx: SqlContext, s: Extract<Statement, { kind: 'showTables' }>): Promise<Outcome> {
  const { catalog, schema } = resolveSchemaName(s.schema ?? [DEFAULT_CATALOG, DEFAULT_SCHEMA]);
  demand(await ctx.access.checkUsable(ctx.principal, 'USE SCHEMA', { type: 'SCHEMA', name: `${catalog}.${schema}` }));
  const rows: string[][] = [];
  for (const table of await ctx.catalog.listTables(catalog, schema)) {
    const name = { catalog, schema, table: table.name };
    if ((await checkTableAny(ctx, name, ['SELECT', 'MODIFY'])).allowed) rows.push([schema, table.name, 'false']);
  }
  return { columns: ['database', 'tableName', 'isTemporary'], rows };
}

function detailRows(table: TableInfo): string[][] {
  const properties = Object.entries(table.properties).map(([k, v]) => `${k}=${v}`);
  const details: [string, string][] = [
    ['Catalog', table.catalogName],
    ['Database', table.schemaName],
    ['Table', table.name],
    ['Table ID', table.tableId],
    ['Owner', table.owner],
    ['Created Time', new Date(table.createdAt).toISOString()],
    ['Type', 'MANAGED'],
    ['Provider', 'delta'],
    ['Location', table.storageLocation],
    ...(table.comment === undefined ? [] : [['Comment', table.comment] as [string, string]]),
    ['Table Properties', `[${properties.join(',')}]`],
  ];
  return [['', '', '', ''], ['# Detailed Table Information', '', '', ''], ...details.map(([k, v]) => [k, v, '', ''])];
}

async function describeTable(ctx: SqlContext, s: Extract<Statement, { kind: 'describeTable' }>): Promise<Outcome> {
  const name = resolveTableName(s.name);
  const table = await ctx.catalog.getTable(name);
  demand(await checkTableAny(ctx, name, ['SELECT', 'MODIFY']));
  const rows = table.columns.map((c) => [c.name, typeDdl(c.type), c.nullable ? 'true' : 'false', c.comment ?? '']);
  return {
    columns: ['col_name', 'data_type', 'nullable', 'comment'],
    rows: s.extended ? [...rows, ...detailRows(table)] : rows,
  };
}

async function showGrants(ctx: SqlContext, s: Extract<Statement, { kind: 'showGrants' }>): Promise<Outcome> {
  const securable = resolveSecurable(s.securable);
  await requireSecurable(ctx, securable);
  const principals = await ctx.store.listPrincipals();
  const only = s.principal === undefined ? undefined : await ctx.store.getPrincipal(s.principal);
  if (s.principal !== undefined && !only) throw missing.principal(s.principal);
  if (only?.applicationId !== ctx.principal.applicationId) await demandOwnership(ctx, securable, 'show grants on');
  const names = new Map(principals.map((p) => [p.applicationId, p.displayName]));
  const rows: string[][] = [];
  // Grants on the containers apply to the object too, so they are listed with where they come from.
  for (const source of withAncestors(securable)) {
    const here = (await ctx.store.grantsOn(source.type, source.name))
      .filter((g) => !only || g.principal === only.applicationId)
      .map((g) => [names.get(g.principal) ?? g.principal, g.privilege, g.securableType, g.securableName]);
    // By name, then privilege: application ids are random, so their order means nothing to a reader.
    here.sort(([a = '', p = ''], [b = '', q = '']) => a.localeCompare(b) || p.localeCompare(q));
    rows.push(...here);
  }
  return { columns: ['Principal', 'ActionType', 'ObjectType', 'ObjectKey'], rows };
}

function execute(ctx: SqlContext, statement: Statement): Promise<Outcome> {
  switch (statement.kind) {
    case 'createCatalog':
      return createCatalog(ctx, statement);
    case 'createSchema':
      return createSchema(ctx, statement);
    case 'createTable':
      return createTable(ctx, statement);
    case 'drop':
      return drop(ctx, statement);
    case 'grant':
    case 'revoke':
      return grantOrRevoke(ctx, statement);
    case 'showCatalogs':
      return showCatalogs(ctx);
    case 'showSchemas':
      return showSchemas(ctx, statement);
    case 'showTables':
      return showTables(ctx, statement);
    case 'showGrants':
      return showGrants(ctx, statement);
    case 'describeTable':
      return describeTable(ctx, statement);
  }
}

/**
 * Parses all of `text` (nothing runs if any statement has a syntax error), then runs the statements in order,
 * yielding each result as soon as it is known. A failing statement stops the run; the error names it when
 * there are several.
 */
export async function* runSql(text: string, ctx: SqlContext): AsyncGenerator<SqlResult> {
  const statements = parseSql(text);
  for (const [i, { statement, text: statementText }] of statements.entries()) {
    let outcome: Outcome;
    try {
      outcome = await execute(ctx, statement);
    } catch (error) {
      if (!(error instanceof TributaryError) || statements.length === 1) throw error;
      const shown = statementText.length > 60 ? `${statementText.slice(0, 60)}…` : statementText;
      const message = `${error.message} (statement ${i + 1}: ${shown})`;
      throw new TributaryError(error.kind, message, error.context, error.errorCode);
    }
    yield 'message' in outcome
      ? { statement: statementText, columns: [], rows: [], message: outcome.message }
      : { statement: statementText, ...outcome };
  }
}

/** Runs `;`-separated statements and returns every result; see {@link runSql}. */
export async function executeSql(text: string, ctx: SqlContext): Promise<SqlResult[]> {
  const results: SqlResult[] = [];
  for await (const result of runSql(text, ctx)) results.push(result);
  return results;
}
