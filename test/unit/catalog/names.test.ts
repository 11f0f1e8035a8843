import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TributaryError } from '../../../src/errors.js';
import {
  formatTableName,
  MAX_COLUMNS,
  parseSchemaName,
  parseTableName,
  validateColumns,
  validateIdentifier,
  validatePrincipalName,
  validateTableProperties,
} from '../../../src/catalog/names.js';
import type { Column, DataType } from '../../../src/catalog/types.js';

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TributaryError, `expected a TributaryError, got ${String(e)}`);
    assert.equal(e.kind, 'invalid_argument');
    assert.match(e.message, pattern);
    return true;
  });
}

const int: DataType = { kind: 'int' };
const columns = (...names: string[]): Column[] =>
  names.map((name, position) => ({ name, type: int, nullable: true, position }));

describe('catalog, schema and table names', () => {
  it('accepts ASCII letters, digits and underscores and stores them lower-case', () => {
    assert.equal(validateIdentifier('table', 'Air_Quality_2'), 'air_quality_2');
    assert.equal(validateIdentifier('catalog', '_'), '_');
    assert.equal(validateIdentifier('schema', '123'), '123');
    assert.equal(validateIdentifier('table', 'a'.repeat(255)), 'a'.repeat(255));
  });

  const hostile: [string, string][] = [
    ['empty', ''],
    ['parent directory', '..'],
    ['path traversal', '../etc'],
    ['slash', 'a/b'],
    ['backslash', 'a\\b'],
    ['NUL', 'a\u0000b'],
    ['newline', 'a\nb'],
    ['non-ASCII letter', 'tablé'],
    ['lookalike Cyrillic a', 'tаble'],
    ['emoji', 't🙂'],
    ['space', 'a b'],
    ['hyphen', 'a-b'],
    ['dot', 'a.b'],
    ['SQL injection', "t'; DROP TABLE catalogs; --"],
    ['backquote', 'a`b'],
    ['256 characters', 'a'.repeat(256)],
    ['10,000 characters', 'x'.repeat(10_000)],
  ];
  for (const [label, name] of hostile) {
    it(`refuses ${label}, naming the kind and the rule`, () => {
      refused(() => validateIdentifier('table', name), /table name/);
    });
  }

  it('keeps error messages short and printable for huge or binary names', () => {
    try {
      validateIdentifier('schema', `\u0000${'x'.repeat(10_000)}`);
      assert.fail('accepted');
    } catch (e) {
      assert.ok(e instanceof TributaryError);
      assert.ok(e.message.length < 300, `message is ${e.message.length} characters`);
      assert.doesNotMatch(e.message, /\u0000/);
      assert.match(e.message, /\\u0000/);
    }
  });
});

describe('parseTableName', () => {
  it('parses three parts, lower-casing them', () => {
    assert.deepEqual(parseTableName('Main.Default.Air_Quality'), {
      catalog: 'main',
      schema: 'default',
      table: 'air_quality',
    });
  });

  it('accepts backquoted parts, which still have to be valid names', () => {
    assert.deepEqual(parseTableName('`main`.default.`t1`'), { catalog: 'main', schema: 'default', table: 't1' });
    refused(() => parseTableName('main.default.`my table`'), /only ASCII letters/);
    refused(() => parseTableName('main.default.`a.b`'), /only ASCII letters/);
    refused(() => parseTableName('main.`default'), /unterminated backquote/);
    refused(() => parseTableName('main.`default`x.t'), /unexpected text after a backquoted part/);
  });

  it('requires exactly three non-empty parts', () => {
    refused(() => parseTableName('main.default'), /expected 3 dot-separated parts/);
    refused(() => parseTableName('a.b.c.d'), /expected 3 dot-separated parts/);
    refused(() => parseTableName('main..t'), /schema name must not be empty/);
    refused(() => parseTableName('main.default.'), /table name must not be empty/);
    refused(() => parseTableName(''), /must not be empty/);
  });

  it('refuses traversal and oversized input before doing work on it', () => {
    refused(() => parseTableName('../../etc.passwd.x'), /table name .*expected 3 dot-separated parts/);
    refused(() => parseTableName('%2e%2e%2f.y.z'), /catalog name/);
    refused(() => parseTableName('main.default.%2e%2e'), /table name/);
    refused(() => parseTableName(`main.default.${'t'.repeat(10_000_000)}`), /too long/);
  });

  it('round-trips through formatTableName', () => {
    const name = parseTableName('c.s.t');
    assert.equal(formatTableName(name), 'c.s.t');
    assert.deepEqual(parseTableName(formatTableName(name)), name);
  });

  it('parses schema names the same way', () => {
    assert.deepEqual(parseSchemaName('Main.`Default`'), { catalog: 'main', schema: 'default' });
    refused(() => parseSchemaName('main'), /expected 2 dot-separated parts/);
    refused(() => parseSchemaName('main.de/fault'), /schema name/);
  });
});

describe('validateColumns', () => {
  it('accepts Delta-valid names, including non-ASCII ones, and keeps their case', () => {
    validateColumns(columns('device_name', 'Temp', 'température', 'a-b', 'x.y', '列'));
  });

  const bad: [string, string, RegExp][] = [
    ['empty', '', /must not be empty/],
    ['a space', 'a b', /spaces or any of/],
    ['a comma', 'a,b', /spaces or any of/],
    ['a semicolon', 'a;b', /spaces or any of/],
    ['braces', 'a{b}', /spaces or any of/],
    ['parentheses', 'f(x)', /spaces or any of/],
    ['an equals sign', 'a=b', /spaces or any of/],
    ['a tab', 'a\tb', /control characters|spaces or any of/],
    ['a newline', 'a\nb', /control characters|spaces or any of/],
    ['NUL', 'a\u0000', /control characters/],
    ['DEL', 'a\u007f', /control characters/],
    ['a lone surrogate', 'a\ud800', /control characters/],
    ['256 characters', 'c'.repeat(256), /longer than 255/],
  ];
  for (const [label, name, pattern] of bad) {
    it(`refuses a column name with ${label}`, () => refused(() => validateColumns(columns('ok', name)), pattern));
  }

  it('refuses duplicates case-insensitively, at the top level and inside structs', () => {
    refused(() => validateColumns(columns('id', 'ID')), /duplicate column "ID"/);
    const struct: DataType = {
      kind: 'struct',
      fields: [
        { name: 'lat', type: int, nullable: true },
        { name: 'LAT', type: int, nullable: true },
      ],
    };
    refused(
      () => validateColumns([{ name: 'loc', type: struct, nullable: true, position: 0 }]),
      /duplicate field in loc "LAT"/,
    );
  });

  it('checks field names nested in arrays and maps', () => {
    const deep: DataType = {
      kind: 'map',
      key: { kind: 'string' },
      value: {
        kind: 'array',
        element: { kind: 'struct', fields: [{ name: 'bad name', type: int, nullable: true }] },
        containsNull: true,
      },
      valueContainsNull: true,
    };
    refused(() => validateColumns([{ name: 'm', type: deep, nullable: true, position: 0 }]), /field name in m\.value\.element/);
  });

  it(`allows 1 to ${MAX_COLUMNS} columns with positions in order`, () => {
    const many = Array.from({ length: MAX_COLUMNS }, (_, i) => `c${i}`);
    validateColumns(columns(...many));
    refused(() => validateColumns(columns(...many, 'one_more')), /at most 2000 columns/);
    refused(() => validateColumns([]), /at least one column/);
    refused(() => validateColumns([{ name: 'a', type: int, nullable: true, position: 1 }]), /position 1, expected 0/);
  });
});

describe('principal names and table properties', () => {
  it('accepts printable principal names and refuses control characters and padding', () => {
    assert.equal(validatePrincipalName('ingest bot (prod)'), 'ingest bot (prod)');
    refused(() => validatePrincipalName(''), /must not be empty/);
    refused(() => validatePrincipalName('   '), /must not be empty/);
    refused(() => validatePrincipalName('bot\n'), /control characters/);
    refused(() => validatePrincipalName(' bot'), /leading or trailing spaces/);
    refused(() => validatePrincipalName('b'.repeat(256)), /longer than 255/);
  });

  it('checks property keys', () => {
    validateTableProperties({ 'delta.appendOnly': 'true', 'my key': 'v' });
    refused(() => validateTableProperties({ '': 'v' }), /property key/);
    refused(() => validateTableProperties({ 'a\u0000': 'v' }), /property key/);
  });
});
