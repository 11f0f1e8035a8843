import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BatchMark, RowBatch } from '../../../src/ingest/row-batch.js';
import { TributaryError } from '../../../src/errors.js';
import { columns, roundTrip } from './helpers.js';

describe('RowBatch', () => {
  it('grows every kind of builder far past its initial capacity', () => {
    const cols = columns([
      ['n', 'int'],
      ['l', 'bigint'],
      ['b', 'boolean'],
      ['d', 'decimal(20,0)'],
      ['s', 'string'],
      ['xs', 'array<smallint>'],
      ['m', 'map<string,double>'],
      ['st', 'struct<a:tinyint>'],
    ]);
    const batch = new RowBatch(cols);
    const [n, l, b, d, s, xs, m, st] = batch.builders;
    const rows = 5000;
    for (let i = 0; i < rows; i++) {
      if (n?.kind !== 'number' || l?.kind !== 'int64' || b?.kind !== 'bool' || d?.kind !== 'decimal') assert.fail();
      if (s?.kind !== 'bytes' || xs?.kind !== 'list' || m?.kind !== 'map' || st?.kind !== 'struct') assert.fail();
      if (i % 7 === 0) n.appendNull();
      else n.append(i);
      l.appendNumber(-i * 1_000_000_007);
      b.append(i % 2 === 0);
      d.append(BigInt(i) * 10n ** 18n);
      s.appendString(`row ${i} ${'é'.repeat(i % 5)}`);
      if (xs.element.kind !== 'number' || m.keys.kind !== 'bytes' || m.values.kind !== 'number') assert.fail();
      for (let k = 0; k < i % 4; k++) xs.element.append(k);
      xs.endList();
      m.keys.appendString(`k${i}`);
      m.values.append(i / 2);
      m.endMap();
      if (st.children[0]?.kind !== 'number') assert.fail();
      st.children[0].append(i % 100);
      st.endStruct();
      batch.endRow();
    }
    const out = roundTrip(batch);
    assert.equal(out.length, rows);
    for (const i of [0, 1, 6, 7, 4095, 4999]) {
      assert.deepEqual(out[i], {
        n: i % 7 === 0 ? null : i,
        l: BigInt(-i * 1_000_000_007),
        b: i % 2 === 0,
        d: String(BigInt(i) * 10n ** 18n),
        s: `row ${i} ${'é'.repeat(i % 5)}`,
        xs: [0, 1, 2].slice(0, i % 4),
        m: [[`k${i}`, i / 2]],
        st: { a: i % 100 },
      });
    }
  });

  it('appends bytes as a string only when they are UTF-8, at every length', () => {
    const batch = new RowBatch(columns([['s', 'string']]));
    const s = batch.builders[0]!;
    if (s.kind !== 'bytes') assert.fail();
    const kept: string[] = [];
    for (const n of [0, 3, 100, 128, 129, 300]) {
      for (const text of ['a'.repeat(n), `${'é'.repeat(n >> 1)}z`]) {
        // Framed by other bytes, as a value inside a protobuf record is.
        const framed = Buffer.concat([Buffer.from([0xff]), Buffer.from(text), Buffer.from([0xff])]);
        assert.equal(s.appendUtf8(framed, 1, framed.length - 1), true);
        batch.endRow();
        kept.push(text);
        const broken = Buffer.concat([Buffer.from(text), Buffer.from([0xc3, 0x28])]);
        assert.equal(s.appendUtf8(broken, 0, broken.length), false, `${n} bytes`);
      }
    }
    assert.deepEqual(
      roundTrip(batch).map((r) => r.s),
      kept,
    );
  });

  it('writes 64-bit values given as halves, safe numbers or bigints', () => {
    const batch = new RowBatch(columns([['v', 'bigint']]));
    const v = batch.builders[0]!;
    if (v.kind !== 'int64') assert.fail();
    const values = [0, -1, 2 ** 53 - 1, -(2 ** 53) + 1, 4294967296, -4294967296];
    for (const x of values) {
      v.appendNumber(x);
      batch.endRow();
    }
    v.appendParts(0xffffffff, 0x7fffffff);
    batch.endRow();
    v.appendBigInt(-(2n ** 63n));
    batch.endRow();
    assert.deepEqual(
      roundTrip(batch).map((r) => r.v),
      [...values.map(BigInt), 2n ** 63n - 1n, -(2n ** 63n)],
    );
  });

  it('rolls back to a mark, including partly written rows, and refuses marks ahead of it', () => {
    const cols = columns([
      ['s', 'string'],
      ['xs', 'array<struct<t:string>>'],
    ]);
    const batch = new RowBatch(cols);
    const [s, xs] = batch.builders;
    if (s?.kind !== 'bytes' || xs?.kind !== 'list' || xs.element.kind !== 'struct') assert.fail();
    const t = xs.element.children[0]!;
    if (t.kind !== 'bytes') assert.fail();
    s.appendString('kept');
    t.appendString('kept element');
    xs.element.endStruct();
    xs.endList();
    batch.endRow();
    const before = roundTrip(batch);
    const size = batch.byteSize;
    const mark = batch.mark();

    s.appendString('complete row');
    xs.appendNull();
    batch.endRow();
    s.appendNull(); // a null allocates validity that rollback must make irrelevant
    t.appendString('partial element');
    xs.element.endStruct();
    assert.equal(batch.rowCount, 2);

    batch.rollback(mark);
    assert.equal(batch.rowCount, 1);
    assert.equal(batch.byteSize, size);
    assert.deepEqual(roundTrip(batch), before);
    assert.throws(() => batch.rollback(5 as BatchMark), RangeError);

    batch.clear();
    assert.equal(batch.rowCount, 0);
    assert.equal(batch.byteSize, 0);
    assert.deepEqual(roundTrip(batch), []);
  });

  it('runs a write atomically: its value on success, nothing kept on failure', () => {
    const batch = new RowBatch(columns([['n', 'int']]));
    const n = batch.builders[0]!;
    if (n.kind !== 'number') assert.fail();
    const appendRow = (v: number): void => {
      n.append(v);
      batch.endRow();
    };
    assert.equal(batch.atomically(() => (appendRow(1), 'done')), 'done');
    assert.throws(() =>
      batch.atomically(() => {
        appendRow(2);
        n.append(3);
        throw new Error('bad record');
      }),
    );
    assert.deepEqual(roundTrip(batch), [{ n: 1 }]);
  });

  it('estimates its size from the values it holds', () => {
    const batch = new RowBatch(columns([['s', 'string'], ['n', 'bigint']]));
    const [s, n] = batch.builders;
    if (s?.kind !== 'bytes' || n?.kind !== 'int64') assert.fail();
    s.appendString('x'.repeat(1000));
    n.appendNumber(1);
    batch.endRow();
    assert.ok(batch.byteSize >= 1008 && batch.byteSize < 1100, String(batch.byteSize));
  });

  it('refuses VARIANT columns', () => {
    assert.throws(() => new RowBatch(columns([['v', 'variant']])), TributaryError);
  });
});
