/**
 * The statements of Tributary's SQL subset, as the parser produces them. Names are kept as written (1 to 3
 * parts, unvalidated); the executor resolves short names against `main`/`default` and validates them.
 */
import type { Privilege, SecurableType } from '../model.js';
import type { StructField } from '../types.js';

/** A dotted name as written: `t`, `s.t`, `c.s.t` (backquotes removed). */
export type ObjectName = readonly string[];

export interface SecurableRef {
  readonly type: SecurableType;
  readonly name: ObjectName;
}

export type Statement =
  | {
      readonly kind: 'createCatalog';
      readonly name: string;
      readonly ifNotExists: boolean;
      readonly comment?: string;
    }
  | {
      readonly kind: 'createSchema';
      readonly name: ObjectName;
      readonly ifNotExists: boolean;
      readonly comment?: string;
    }
  | {
      readonly kind: 'createTable';
      readonly name: ObjectName;
      readonly ifNotExists: boolean;
      readonly columns: readonly StructField[];
      readonly comment?: string;
      readonly properties: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'drop';
      readonly objectType: SecurableType;
      readonly name: ObjectName;
      readonly ifExists: boolean;
      readonly cascade: boolean;
    }
  | {
      readonly kind: 'grant' | 'revoke';
      readonly privileges: readonly Privilege[];
      readonly securable: SecurableRef;
      /** Application id or display name. */
      readonly principal: string;
    }
  | { readonly kind: 'showCatalogs' }
  | { readonly kind: 'showSchemas'; readonly catalog?: string }
  | { readonly kind: 'showTables'; readonly schema?: ObjectName }
  | { readonly kind: 'showGrants'; readonly principal?: string; readonly securable: SecurableRef }
  /** EXTENDED adds the table's details (owner, location, properties) after the columns. */
  | { readonly kind: 'describeTable'; readonly name: ObjectName; readonly extended: boolean };

/** A statement with the source text it was parsed from. */
export interface ParsedStatement {
  readonly statement: Statement;
  /** The statement's text, without the separating `;` and surrounding whitespace. */
  readonly text: string;
}
