import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTypeText } from '../../../src/catalog/types.js';
import { duckdbType, rewriteTableRefs } from '../../../src/delta/query.js';
import { parseInterval } from '../../../src/delta/table-properties.js';

describe('query table references', () => {
  it('rewrites three-part names to view names and reports them once', () => {
    const r = rewriteTableRefs('SELECT count(*) FROM main.default.t JOIN Main.`default`.t u ON true');
    assert.equal(r.sql, 'SELECT count(*) FROM "main.default.t" JOIN "main.default.t" u ON true');
    assert.deepEqual(r.refs, [{ catalog: 'main', schema: 'default', table: 't' }]);
  });

  it('leaves literals, comments, longer chains and rejected names alone', () => {
    const sql = "SELECT 'a.b.c', x.y.z.w -- c.d.e\nFROM t /* f.g.h */ WHERE s.col.field = 1";
    const r = rewriteTableRefs(sql, (ref) => ref.catalog !== 's');
    assert.equal(r.sql, sql);
    assert.deepEqual(r.refs, []);
  });

  it('spells column types for DuckDB', () => {
    assert.equal(duckdbType(parseTypeText('map<string,array<decimal(10,2)>>')), 'MAP(VARCHAR, DECIMAL(10,2)[])');
    assert.equal(duckdbType(parseTypeText('struct<`a b`:timestamp,c:timestamp_ntz>')), 'STRUCT("a b" TIMESTAMPTZ, "c" TIMESTAMP)');
  });
});

describe('table property intervals', () => {
  it('reads Delta interval spellings', () => {
    assert.equal(parseInterval('interval 30 days'), 30 * 86_400_000);
    assert.equal(parseInterval('interval 1 hour'), 3_600_000);
    assert.equal(parseInterval('2 weeks'), 14 * 86_400_000);
    assert.throws(() => parseInterval('forever'), /cannot read the interval/);
  });
});
