import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTypeText, type StructField } from '../../../src/catalog/types.js';
import { batchFromRows } from '../../../src/delta/arrow-rows.js';
import {
  StatsCollector,
  formatTimestamp,
  formatUnscaled,
  truncateMax,
  truncateMin,
} from '../../../src/delta/stats.js';

function fields(spec: Record<string, string>): StructField[] {
  return Object.entries(spec).map(([name, type]) => ({ name, type: parseTypeText(type), nullable: true }));
}

function statsOf(spec: Record<string, string>, ...batches: Record<string, unknown>[][]) {
  const f = fields(spec);
  const collector = new StatsCollector(f);
  for (const rows of batches) collector.add(batchFromRows(f, rows));
  return JSON.parse(collector.toJson()) as {
    numRecords: number;
    minValues: Record<string, unknown>;
    maxValues: Record<string, unknown>;
    nullCount: Record<string, unknown>;
  };
}

describe('Delta file statistics', () => {
  it('counts records and nulls and bounds integers across batches', () => {
    const s = statsOf({ a: 'int', b: 'smallint' }, [{ a: 5, b: null }, { a: -3 }], [{ a: 7, b: 2 }]);
    assert.equal(s.numRecords, 3);
    assert.deepEqual(s.minValues, { a: -3, b: 2 });
    assert.deepEqual(s.maxValues, { a: 7, b: 2 });
    assert.deepEqual(s.nullCount, { a: 0, b: 2 });
  });

  it('writes 64-bit bounds exactly, beyond 2^53', () => {
    const f = fields({ n: 'bigint' });
    const c = new StatsCollector(f);
    c.add(batchFromRows(f, [{ n: -(2n ** 63n) }, { n: 2n ** 63n - 1n }, { n: 9007199254740993n }]));
    assert.match(c.toJson(), /"minValues":\{"n":-9223372036854775808\}/);
    assert.match(c.toJson(), /"maxValues":\{"n":9223372036854775807\}/);
  });

  it('bounds 64-bit integers and timestamps by their full value, with and without nulls', () => {
    // Values that differ only in the low word, only in the high word, and across zero.
    const values = [-1n, 0n, 1n, 2n ** 32n, 2n ** 32n - 1n, -(2n ** 32n), -(2n ** 32n) + 1n, 5n * 2n ** 40n + 7n, -(5n * 2n ** 40n) - 7n];
    for (let seed = 1; seed <= 20; seed++) {
      const picked = values.filter((_, i) => (seed * (i + 3)) % 4 !== 0);
      const rows = picked.map((n, i) => ({ n: seed % 2 === 0 && i % 3 === 0 ? null : n }));
      const present = rows.flatMap((r) => (r.n === null ? [] : [r.n]));
      if (present.length === 0) continue;
      const s = statsOf({ n: 'bigint' }, rows.slice(0, 2), rows.slice(2));
      const min = present.reduce((a, b) => (b < a ? b : a));
      const max = present.reduce((a, b) => (b > a ? b : a));
      assert.equal(String(s.minValues.n), String(min), `seed ${seed}`);
      assert.equal(String(s.maxValues.n), String(max), `seed ${seed}`);
      assert.equal(s.nullCount.n, rows.length - present.length);
    }
    const t = statsOf({ t: 'timestamp' }, [{ t: -1_500n }, { t: 1_700_000_000_000_001n }]);
    assert.equal(t.minValues.t, '1969-12-31T23:59:59.998Z');
    assert.equal(t.maxValues.t, '2023-11-14T22:13:20.001Z');
  });

  it('leaves float bounds out for -Infinity in a batch without nulls', () => {
    assert.deepEqual(statsOf({ d: 'double' }, [{ d: 1 }, { d: -Infinity }]).minValues, {});
    assert.deepEqual(statsOf({ d: 'double' }, [{ d: 2 }, { d: 1.5 }]).minValues, { d: 1.5 });
  });

  it('orders strings by UTF-8 bytes, not UTF-16 units', () => {
    // U+FF5E sorts below U+1F600 in code points, above it in UTF-16 code units.
    const s = statsOf({ s: 'string' }, [{ s: '\uff5e' }, { s: '😀' }, { s: 'a' }]);
    assert.equal(s.minValues.s, 'a');
    assert.equal(s.maxValues.s, '😀');
  });

  it('bounds short strings exactly, empty ones and shared first bytes included, with and without nulls', () => {
    // Few letters so that values often tie on their first bytes, and the empty string sorts below all.
    const alphabet = ['', 'a', 'b', 'é', '😀'];
    const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
    for (let seed = 1; seed <= 200; seed++) {
      let state = seed;
      const next = (n: number) => {
        state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
        return state % n;
      };
      const rows = Array.from({ length: 1 + next(12) }, () => {
        if (seed % 3 === 0 && next(4) === 0) return { s: null };
        return { s: Array.from({ length: next(4) }, () => alphabet[next(alphabet.length)]).join('') };
      });
      const present = rows.flatMap((r) => (r.s === null ? [] : [r.s])).sort(byBytes);
      const cut = next(rows.length + 1);
      const s = statsOf({ s: 'string' }, rows.slice(0, cut), rows.slice(cut));
      assert.equal(s.minValues.s, present[0], `seed ${seed}`);
      assert.equal(s.maxValues.s, present.at(-1), `seed ${seed}`);
      assert.equal(s.nullCount.s, rows.length - present.length, `seed ${seed}`);
    }
  });

  it('bounds long strings from their deciding prefix: differences far into a value cannot change them', () => {
    const pad = '€'.repeat(50);
    const s = statsOf({ s: 'string' }, [{ s: `${pad}b${'z'.repeat(16_000)}` }, { s: `${pad}a` }, { s: `${'€'.repeat(31)}a` }]);
    assert.equal(s.minValues.s, `${'€'.repeat(31)}a`);
    assert.equal(s.maxValues.s, `${'€'.repeat(32)}\u{10ffff}`);
    const near = statsOf({ s: 'string' }, [{ s: `${'q'.repeat(100)}b` }, { s: `${'q'.repeat(100)}a` }]);
    assert.equal(near.minValues.s, 'q'.repeat(32));
    assert.equal(near.maxValues.s, `${'q'.repeat(32)}\u{10ffff}`);
  });

  it('truncates long strings to bounds that still hold', () => {
    const long = 'x'.repeat(40);
    const s = statsOf({ s: 'string' }, [{ s: long }, { s: 'b' }]);
    assert.equal(s.minValues.s, 'b');
    assert.equal(s.maxValues.s, 'x'.repeat(32) + '\u{10ffff}');
    assert.ok(Buffer.compare(Buffer.from(s.maxValues.s as string), Buffer.from(long)) > 0);
    assert.equal(truncateMin('é'.repeat(40)), 'é'.repeat(32));
    assert.equal(truncateMax('y'.repeat(32) + '\u{10ffff}z'), undefined);
    assert.equal(truncateMax('short'), 'short');
  });

  it('rounds timestamp bounds outwards to milliseconds', () => {
    const s = statsOf({ t: 'timestamp' }, [{ t: 1_700_000_000_123_456n }, { t: 1_700_000_000_000_001n }]);
    assert.equal(s.minValues.t, '2023-11-14T22:13:20.000Z');
    assert.equal(s.maxValues.t, '2023-11-14T22:13:20.124Z');
    assert.equal(formatTimestamp(-1n, false), '1969-12-31T23:59:59.999Z');
    assert.equal(formatTimestamp(-1n, true), '1970-01-01T00:00:00.000Z');
    assert.equal(formatTimestamp(2n ** 62n, true), undefined);
  });

  it('writes dates as days and leaves TIMESTAMP_NTZ, binary and boolean unbounded', () => {
    const s = statsOf(
      { d: 'date', n: 'timestamp_ntz', b: 'binary', f: 'boolean' },
      [{ d: 19000, n: 5n, b: new Uint8Array([1]), f: true }, { d: -1 }],
    );
    assert.deepEqual(s.minValues, { d: '1969-12-31' });
    assert.deepEqual(s.maxValues, { d: '2022-01-08' });
    assert.deepEqual(s.nullCount, { d: 0, n: 1, b: 1, f: 1 });
  });

  it('bounds decimals of up to 15 digits exactly and leaves wider ones out', () => {
    const s = statsOf({ a: 'decimal(10,2)', w: 'decimal(30,4)' }, [{ a: '-12345678.91', w: '1.5' }, { a: '0.05', w: '2' }]);
    assert.deepEqual(s.minValues, { a: -12345678.91 });
    assert.deepEqual(s.maxValues, { a: 0.05 });
    assert.deepEqual(s.nullCount, { a: 0, w: 0 });
    assert.equal(formatUnscaled(-5n, 3), '-0.005');
    assert.equal(formatUnscaled(12345n, 0), '12345');
  });

  it('leaves float bounds out when NaN or infinity occur', () => {
    assert.deepEqual(statsOf({ d: 'double' }, [{ d: 1 }, { d: NaN }]).minValues, {});
    assert.deepEqual(statsOf({ d: 'double' }, [{ d: 1 }, { d: Infinity }]).maxValues, {});
    assert.deepEqual(statsOf({ f: 'float' }, [{ f: 0.5 }, { f: -2.25 }]).minValues, { f: -2.25 });
  });

  it('nests struct members and counts members of null structs as null; arrays and maps get nothing', () => {
    const s = statsOf(
      { st: 'struct<a:int,inner:struct<s:string>>', arr: 'array<int>', m: 'map<string,int>' },
      [
        { st: { a: 1, inner: { s: 'q' } }, arr: [1], m: [['k', 1]] },
        { st: null },
        { st: { a: null, inner: null } },
        { st: { a: 4, inner: { s: null } } },
      ],
    );
    assert.deepEqual(s.minValues, { st: { a: 1, inner: { s: 'q' } } });
    assert.deepEqual(s.maxValues, { st: { a: 4, inner: { s: 'q' } } });
    assert.deepEqual(s.nullCount, { st: { a: 2, inner: { s: 3 } } });
  });

  it('omits bounds of all-null columns', () => {
    const s = statsOf({ a: 'int', s: 'string' }, [{}, {}]);
    assert.deepEqual(s.minValues, {});
    assert.deepEqual(s.nullCount, { a: 2, s: 2 });
  });
});
