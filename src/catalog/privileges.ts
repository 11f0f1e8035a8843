/**
 * Which privileges exist on which securables, and how securables nest (catalog ⊃ schema ⊃ table).
 */
import { TributaryError } from '../errors.js';
import { PRIVILEGES, type Privilege, type SecurableType } from './model.js';

/** A catalog object that privileges are granted on, named by its validated (lower-case) full name. */
export interface Securable {
  readonly type: SecurableType;
  /** `catalog`, `catalog.schema` or `catalog.schema.table`. */
  readonly name: string;
}

/**
 * Privileges that may be granted on each securable type, as in Unity Catalog: a privilege granted on a
 * container applies to everything inside it, so a catalog accepts every privilege.
 */
export const APPLICABLE_PRIVILEGES: Readonly<Record<SecurableType, readonly Privilege[]>> = {
  CATALOG: PRIVILEGES,
  SCHEMA: ['USE SCHEMA', 'SELECT', 'MODIFY', 'CREATE TABLE', 'ALL PRIVILEGES'],
  TABLE: ['SELECT', 'MODIFY', 'ALL PRIVILEGES'],
};

const NAME_PARTS: Readonly<Record<SecurableType, number>> = { CATALOG: 1, SCHEMA: 2, TABLE: 3 };

/**
 * Reads a privilege as written in SQL (`use catalog`) or in the REST API (`USE_CATALOG`).
 * @throws TributaryError `invalid_argument` listing the known privileges.
 */
export function parsePrivilege(text: string): Privilege {
  const normal = text.trim().toUpperCase().replace(/[\s_]+/g, ' ');
  const found = PRIVILEGES.find((p) => p === normal);
  if (!found) {
    throw new TributaryError(
      'invalid_argument',
      `unknown privilege ${JSON.stringify(text.slice(0, 80))}; known privileges: ${PRIVILEGES.join(', ')}`,
    );
  }
  return found;
}

/** @throws TributaryError `invalid_argument` when the privilege cannot be granted on that type of object. */
export function assertPrivilegeApplies(privilege: Privilege, type: SecurableType): void {
  if (!APPLICABLE_PRIVILEGES[type].includes(privilege)) {
    throw new TributaryError(
      'invalid_argument',
      `privilege ${privilege} cannot be granted on a ${type.toLowerCase()}; ` +
        `applicable: ${APPLICABLE_PRIVILEGES[type].join(', ')}`,
    );
  }
}

/** The securable followed by the containers whose grants it inherits, innermost first. */
export function withAncestors(securable: Securable): Securable[] {
  const parts = securable.name.split('.');
  if (parts.length !== NAME_PARTS[securable.type]) {
    throw new TributaryError('internal', `malformed ${securable.type} name ${JSON.stringify(securable.name)}`);
  }
  const chain: Securable[] = [];
  const types: SecurableType[] = ['CATALOG', 'SCHEMA', 'TABLE'];
  for (let n = parts.length; n >= 1; n--) chain.push({ type: types[n - 1]!, name: parts.slice(0, n).join('.') });
  return chain;
}
