/**
 * A recursive-descent parser for the SQL subset, as Databricks spells it: CREATE CATALOG/SCHEMA/TABLE, DROP,
 * GRANT, REVOKE, SHOW CATALOGS/SCHEMAS/TABLES/GRANTS and DESCRIBE TABLE. Pure: text in, statements out.
 * Column types go through `parseTypeAt`, the grammar the REST API's `type_text` also uses.
 */
import { TributaryError } from '../../errors.js';
import { PRIVILEGES, type Privilege } from '../model.js';
import { parseTypeAt, TypeSyntaxError, type DataType, type StructField } from '../types.js';
import { Lexer, syntaxError, type Token } from './lexer.js';
import type { ObjectName, ParsedStatement, SecurableRef, Statement } from './statements.js';

/** Longer SQL is refused before parsing: DDL is never this large, and parsing cost stays bounded. */
export const MAX_SQL_LENGTH = 1024 * 1024;

const PRIVILEGE_LIST = `a privilege (${PRIVILEGES.join(', ')})`;

/** Table clauses Databricks has and Tributary refuses, with the reason shown to the user. */
const UNSUPPORTED_TABLE_CLAUSES: Readonly<Record<string, string>> = {
  LOCATION: 'LOCATION is not supported: Tributary decides where managed tables are stored',
  PARTITIONED: 'PARTITIONED BY is not supported',
  CLUSTER: 'CLUSTER BY is not supported',
  OPTIONS: 'OPTIONS is not supported; use TBLPROPERTIES',
  AS: 'CREATE TABLE ... AS SELECT is not supported',
};

function describeToken(t: Token): string {
  switch (t.kind) {
    case 'end':
      return 'end of input';
    case 'string':
      return `string ${JSON.stringify(t.text.slice(0, 40))}`;
    case 'quoted':
      return `\`${t.text.slice(0, 40)}\``;
    default:
      return `'${t.text.slice(0, 40)}'`;
  }
}

class Parser {
  private readonly lexer: Lexer;
  private buffered: Token | undefined;
  /** End index of the last consumed token: where the current statement's text ends. */
  lastEnd = 0;

  constructor(readonly source: string) {
    this.lexer = new Lexer(source);
  }

  peek(): Token {
    this.buffered ??= this.lexer.next();
    return this.buffered;
  }

  next(): Token {
    const token = this.peek();
    this.buffered = undefined;
    this.lastEnd = token.end;
    return token;
  }

  fail(token: Token, expected: string): never {
    throw syntaxError(this.source, token.start, `expected ${expected}, found ${describeToken(token)}`);
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.kind === 'word' && token.text.toUpperCase() === keyword;
  }

  private acceptKeyword(keyword: string): boolean {
    if (!this.isKeyword(this.peek(), keyword)) return false;
    this.next();
    return true;
  }

  private expectKeyword(keyword: string): void {
    if (!this.acceptKeyword(keyword)) this.fail(this.peek(), keyword);
  }

  private expectOneOf<K extends string>(keywords: readonly K[], expected: string): K {
    const token = this.next();
    const found = keywords.find((k) => this.isKeyword(token, k));
    if (found === undefined) this.fail(token, expected);
    return found;
  }

  acceptSymbol(symbol: string): boolean {
    const token = this.peek();
    if (token.kind !== 'symbol' || token.text !== symbol) return false;
    this.next();
    return true;
  }

  private expectSymbol(symbol: string): void {
    if (!this.acceptSymbol(symbol)) this.fail(this.peek(), `'${symbol}'`);
  }

  private identifier(what: string): string {
    const token = this.next();
    if (token.kind !== 'word' && token.kind !== 'quoted') this.fail(token, what);
    return token.text;
  }

  private stringLiteral(what: string): string {
    const token = this.next();
    if (token.kind !== 'string') this.fail(token, what);
    return token.text;
  }

  private objectName(maxParts: number, what: string): ObjectName {
    const parts = [this.identifier(what)];
    while (parts.length < maxParts && this.acceptSymbol('.')) parts.push(this.identifier(what));
    const token = this.peek();
    if (token.kind === 'symbol' && token.text === '.') {
      throw syntaxError(this.source, token.start, `${what} has at most ${maxParts} dot-separated parts`);
    }
    return parts;
  }

  /** A column type, read with the shared type grammar straight from the source text. */
  private dataType(): DataType {
    if (this.buffered) {
      this.lexer.pos = this.buffered.start;
      this.buffered = undefined;
    }
    this.lexer.skipTrivia();
    const start = this.lexer.pos;
    try {
      const { type, end } = parseTypeAt(this.source, start);
      this.lexer.pos = end;
      this.lastEnd = end;
      return type;
    } catch (error) {
      if (error instanceof TypeSyntaxError) throw syntaxError(this.source, error.index ?? start, error.message);
      throw error;
    }
  }

  private ifNotExists(): boolean {
    if (!this.acceptKeyword('IF')) return false;
    this.expectKeyword('NOT');
    this.expectKeyword('EXISTS');
    return true;
  }

  private ifExists(): boolean {
    if (!this.acceptKeyword('IF')) return false;
    this.expectKeyword('EXISTS');
    return true;
  }

  private optionalComment(): { comment?: string } {
    return this.acceptKeyword('COMMENT') ? { comment: this.stringLiteral('a comment string') } : {};
  }

  statement(): Statement {
    const token = this.next();
    const keyword = token.kind === 'word' ? token.text.toUpperCase() : '';
    switch (keyword) {
      case 'CREATE':
        return this.create();
      case 'DROP':
        return this.drop();
      case 'GRANT':
      case 'REVOKE':
        return this.grantOrRevoke(keyword === 'GRANT' ? 'grant' : 'revoke');
      case 'SHOW':
        return this.show();
      case 'DESCRIBE':
      case 'DESC':
        return this.describe();
      default:
        return this.fail(token, 'a statement (CREATE, DROP, GRANT, REVOKE, SHOW or DESCRIBE)');
    }
  }

  private create(): Statement {
    const what = this.expectOneOf(['CATALOG', 'SCHEMA', 'DATABASE', 'TABLE'], 'CATALOG, SCHEMA, DATABASE or TABLE');
    const ifNotExists = this.ifNotExists();
    switch (what) {
      case 'CATALOG': {
        const name = this.identifier('a catalog name');
        return { kind: 'createCatalog', name, ifNotExists, ...this.optionalComment() };
      }
      case 'SCHEMA':
      case 'DATABASE': {
        const name = this.objectName(2, 'a schema name');
        return { kind: 'createSchema', name, ifNotExists, ...this.optionalComment() };
      }
      case 'TABLE':
        return this.createTable(ifNotExists);
    }
  }

  private createTable(ifNotExists: boolean): Statement {
    const name = this.objectName(3, 'a table name');
    this.expectSymbol('(');
    const columns: StructField[] = [];
    do columns.push(this.columnDefinition());
    while (this.acceptSymbol(','));
    this.expectSymbol(')');

    let comment: string | undefined;
    let properties: Record<string, string> = {};
    const seen = new Set<string>();
    for (;;) {
      const token = this.peek();
      const keyword = token.kind === 'word' ? token.text.toUpperCase() : '';
      if (keyword in UNSUPPORTED_TABLE_CLAUSES) {
        throw syntaxError(this.source, token.start, UNSUPPORTED_TABLE_CLAUSES[keyword]!);
      }
      if (keyword !== 'USING' && keyword !== 'COMMENT' && keyword !== 'TBLPROPERTIES') break;
      if (seen.has(keyword)) throw syntaxError(this.source, token.start, `duplicate ${keyword} clause`);
      seen.add(keyword);
      this.next();
      if (keyword === 'USING') {
        const format = this.next();
        if (!this.isKeyword(format, 'DELTA')) this.fail(format, 'DELTA (the only table format)');
      } else if (keyword === 'COMMENT') {
        comment = this.stringLiteral('a comment string');
      } else {
        properties = this.tableProperties();
      }
    }
    const end = this.peek();
    if (end.kind !== 'end' && !(end.kind === 'symbol' && end.text === ';')) {
      this.fail(end, "USING DELTA, COMMENT, TBLPROPERTIES, ';' or end of input");
    }
    const described = comment === undefined ? {} : { comment };
    return { kind: 'createTable', name, ifNotExists, columns, properties, ...described };
  }

  private columnDefinition(): StructField {
    const name = this.identifier('a column name');
    const type = this.dataType();
    let nullable = true;
    let comment: string | undefined;
    for (;;) {
      if (this.acceptKeyword('NOT')) {
        this.expectKeyword('NULL');
        nullable = false;
      } else if (this.isKeyword(this.peek(), 'COMMENT')) {
        comment = this.optionalComment().comment;
      } else {
        const token = this.peek();
        if (!(token.kind === 'symbol' && (token.text === ',' || token.text === ')'))) {
          this.fail(token, "NOT NULL, COMMENT, ',' or ')'");
        }
        break;
      }
    }
    return comment === undefined ? { name, type, nullable } : { name, type, nullable, comment };
  }

  /** `TBLPROPERTIES ('k' = 'v', delta.appendOnly = true, ...)`; the `=` is optional, as in Spark. */
  private tableProperties(): Record<string, string> {
    this.expectSymbol('(');
    const entries: [string, string][] = [];
    if (!this.acceptSymbol(')')) {
      do {
        const keyToken = this.peek();
        const key =
          keyToken.kind === 'string' ? this.next().text : this.objectName(Infinity, 'a property key').join('.');
        if (entries.some(([k]) => k === key)) {
          throw syntaxError(this.source, keyToken.start, `duplicate table property ${JSON.stringify(key)}`);
        }
        this.acceptSymbol('=');
        const value = this.next();
        if (value.kind !== 'string' && value.kind !== 'word') this.fail(value, 'a property value');
        entries.push([key, value.text]);
      } while (this.acceptSymbol(','));
      this.expectSymbol(')');
    }
    // fromEntries defines own properties, so a key such as "__proto__" is just a key.
    return Object.fromEntries(entries);
  }

  private drop(): Statement {
    const what = this.expectOneOf(['TABLE', 'SCHEMA', 'DATABASE', 'CATALOG'], 'TABLE, SCHEMA, DATABASE or CATALOG');
    const ifExists = this.ifExists();
    const objectType = what === 'DATABASE' ? 'SCHEMA' : what;
    const parts = { CATALOG: 1, SCHEMA: 2, TABLE: 3 }[objectType];
    const name = this.objectName(parts, `a ${objectType.toLowerCase()} name`);
    let cascade = false;
    if (objectType !== 'TABLE') {
      cascade = this.acceptKeyword('CASCADE');
      if (!cascade) this.acceptKeyword('RESTRICT');
    }
    return { kind: 'drop', objectType, name, ifExists, cascade };
  }

  private privilege(): Privilege {
    const token = this.next();
    if (token.kind !== 'word') this.fail(token, PRIVILEGE_LIST);
    const first = token.text.toUpperCase();
    const two = (second: readonly string[]): Privilege =>
      `${first} ${this.expectOneOf(second, second.join(' or '))}` as Privilege;
    if (first === 'USE') return two(['CATALOG', 'SCHEMA']);
    if (first === 'CREATE') return two(['TABLE', 'SCHEMA']);
    if (first === 'ALL') {
      this.acceptKeyword('PRIVILEGES');
      return 'ALL PRIVILEGES';
    }
    // SELECT, MODIFY, and the REST spellings USE_CATALOG, ALL_PRIVILEGES, ...
    const privilege = PRIVILEGES.find((p) => p === first.replace(/_/g, ' '));
    return privilege ?? this.fail(token, PRIVILEGE_LIST);
  }

  private securable(): SecurableRef {
    if (this.acceptKeyword('CATALOG')) return { type: 'CATALOG', name: [this.identifier('a catalog name')] };
    if (this.acceptKeyword('SCHEMA') || this.acceptKeyword('DATABASE')) {
      return { type: 'SCHEMA', name: this.objectName(2, 'a schema name') };
    }
    this.acceptKeyword('TABLE');
    return { type: 'TABLE', name: this.objectName(3, 'a table name') };
  }

  private grantOrRevoke(kind: 'grant' | 'revoke'): Statement {
    const privileges: Privilege[] = [];
    do privileges.push(this.privilege());
    while (this.acceptSymbol(','));
    this.expectKeyword('ON');
    const securable = this.securable();
    this.expectKeyword(kind === 'grant' ? 'TO' : 'FROM');
    const principal = this.identifier('a principal (application id or name, backquoted if needed)');
    return { kind, privileges, securable, principal };
  }

  private show(): Statement {
    const what = this.expectOneOf(
      ['CATALOGS', 'SCHEMAS', 'DATABASES', 'TABLES', 'GRANTS'],
      'CATALOGS, SCHEMAS, DATABASES, TABLES or GRANTS',
    );
    const inClause = () => this.acceptKeyword('IN') || this.acceptKeyword('FROM');
    switch (what) {
      case 'CATALOGS':
        return { kind: 'showCatalogs' };
      case 'SCHEMAS':
      case 'DATABASES':
        if (!inClause()) return { kind: 'showSchemas' };
        return { kind: 'showSchemas', catalog: this.identifier('a catalog name') };
      case 'TABLES':
        if (!inClause()) return { kind: 'showTables' };
        return { kind: 'showTables', schema: this.objectName(2, 'a schema name') };
      case 'GRANTS': {
        const principal = this.isKeyword(this.peek(), 'ON') ? undefined : this.identifier('a principal or ON');
        this.expectKeyword('ON');
        const securable = this.securable();
        if (principal === undefined) return { kind: 'showGrants', securable };
        return { kind: 'showGrants', principal, securable };
      }
    }
  }

  private describe(): Statement {
    this.acceptKeyword('TABLE');
    const extended = this.acceptKeyword('EXTENDED');
    return { kind: 'describeTable', name: this.objectName(3, 'a table name'), extended };
  }
}

/**
 * Parses `;`-separated statements (empty ones are skipped).
 * @throws TributaryError `invalid_argument`: `syntax error at line L, column C: expected ..., found ...`
 */
export function parseSql(text: string): ParsedStatement[] {
  if (text.length > MAX_SQL_LENGTH) {
    throw new TributaryError('invalid_argument', `SQL text is longer than ${MAX_SQL_LENGTH} characters`);
  }
  const parser = new Parser(text);
  const statements: ParsedStatement[] = [];
  for (;;) {
    while (parser.acceptSymbol(';'));
    const first = parser.peek();
    if (first.kind === 'end') return statements;
    const statement = parser.statement();
    statements.push({ statement, text: text.slice(first.start, parser.lastEnd) });
    const after = parser.peek();
    if (after.kind !== 'end' && !(after.kind === 'symbol' && after.text === ';')) {
      parser.fail(after, "';' or end of input");
    }
  }
}
