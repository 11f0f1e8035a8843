/**
 * OAuth Rich Authorization Requests (RFC 9396) as the Zerobus SDKs use them: the privileges a client asks
 * for in `authorization_details`, which Tributary checks against the catalog and then carries in the token.
 * One reader serves both the token request (untrusted input) and the verified token claims.
 */
import type { Privilege, SecurableType } from '../catalog/model.js';
import { parsePrivilege } from '../catalog/privileges.js';
import { TributaryError } from '../errors.js';

/** The only `type` the Unity Catalog token endpoint knows. */
export const UC_PRIVILEGES_TYPE = 'unity_catalog_privileges';

/** Privileges on one securable, as requested by a client and granted in its token. */
export interface AuthorizationDetail {
  readonly objectType: SecurableType;
  /** `catalog`, `catalog.schema` or `catalog.schema.table`, as the client wrote it. */
  readonly objectFullPath: string;
  readonly privileges: readonly Privilege[];
  /** Operations the client intends, e.g. `zerobuswrite`; recorded, not enforced. */
  readonly operations?: readonly string[];
}

/** The JSON form, with the keys the SDKs send and the token carries. */
export interface AuthorizationDetailJson {
  type: typeof UC_PRIVILEGES_TYPE;
  object_type: SecurableType;
  object_full_path: string;
  privileges: Privilege[];
  operations?: string[];
}

/** Raised for an entry that cannot be understood; the message says which entry and what is wrong. */
export class AuthorizationDetailsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthorizationDetailsError';
  }
}

const SECURABLE_TYPES: readonly SecurableType[] = ['CATALOG', 'SCHEMA', 'TABLE'];
const PATH_PARTS: Record<SecurableType, number> = { CATALOG: 1, SCHEMA: 2, TABLE: 3 };
const MAX_ENTRIES = 64;

/** Parses the `authorization_details` form field (a JSON array); keys may come in any order. */
export function parseAuthorizationDetailsText(text: string): AuthorizationDetail[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AuthorizationDetailsError(`authorization_details is not valid JSON: ${(error as Error).message}`);
  }
  return parseAuthorizationDetails(json);
}

/** Validates an already-parsed `authorization_details` array. */
export function parseAuthorizationDetails(json: unknown): AuthorizationDetail[] {
  if (!Array.isArray(json)) throw new AuthorizationDetailsError('authorization_details must be a JSON array');
  if (json.length > MAX_ENTRIES) {
    throw new AuthorizationDetailsError(`authorization_details has ${json.length} entries; at most ${MAX_ENTRIES} are accepted`);
  }
  return json.map((entry, index) => parseEntry(entry, index));
}

function parseEntry(entry: unknown, index: number): AuthorizationDetail {
  const where = `authorization_details[${index}]`;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    throw new AuthorizationDetailsError(`${where} must be an object`);
  }
  const o = entry as Record<string, unknown>;
  if (o.type !== UC_PRIVILEGES_TYPE) {
    throw new AuthorizationDetailsError(`${where}.type must be "${UC_PRIVILEGES_TYPE}", got ${describe(o.type)}`);
  }
  const objectType = typeof o.object_type === 'string' ? o.object_type.toUpperCase() : undefined;
  if (!objectType || !(SECURABLE_TYPES as readonly string[]).includes(objectType)) {
    throw new AuthorizationDetailsError(
      `${where}.object_type must be one of ${SECURABLE_TYPES.join(', ')}, got ${describe(o.object_type)}`,
    );
  }
  const securable = objectType as SecurableType;
  const path = o.object_full_path;
  if (typeof path !== 'string' || path.split('.').length !== PATH_PARTS[securable] || path.split('.').includes('')) {
    throw new AuthorizationDetailsError(
      `${where}.object_full_path must be a ${PATH_PARTS[securable]}-part name for a ${securable}, got ${describe(path)}`,
    );
  }
  const privileges = o.privileges;
  if (!Array.isArray(privileges) || privileges.length === 0) {
    throw new AuthorizationDetailsError(`${where}.privileges must be a non-empty array of privilege names`);
  }
  const parsed = privileges.map((p): Privilege => {
    if (typeof p !== 'string') throw new AuthorizationDetailsError(`${where}.privileges: ${describe(p)} is not a string`);
    try {
      return parsePrivilege(p);
    } catch (error) {
      if (error instanceof TributaryError) throw new AuthorizationDetailsError(`${where}.privileges: ${error.message}`);
      throw error;
    }
  });
  const detail: AuthorizationDetail = { objectType: securable, objectFullPath: path, privileges: [...new Set(parsed)] };
  if (o.operations === undefined) return detail;
  if (!Array.isArray(o.operations) || !o.operations.every((op): op is string => typeof op === 'string')) {
    throw new AuthorizationDetailsError(`${where}.operations must be an array of strings`);
  }
  return { ...detail, operations: o.operations };
}

/** The JSON form of details, as carried in tokens. */
export function authorizationDetailsJson(details: readonly AuthorizationDetail[]): AuthorizationDetailJson[] {
  return details.map((d) => ({
    type: UC_PRIVILEGES_TYPE,
    object_type: d.objectType,
    object_full_path: d.objectFullPath,
    privileges: [...d.privileges],
    ...(d.operations ? { operations: [...d.operations] } : {}),
  }));
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
