import { test } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import { ProtoReader, ProtoWriter, ProtobufDecodeError, WireType, decodeUtf8, utf8Length, varint32Size, varint64Size } from '../../../src/protocol/protobuf-wire.js';

const INT64_SAMPLES: bigint[] = [
  0n, 1n, 127n, 128n, 300n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n,
  2n ** 63n - 1n, -1n, -2n, -(2n ** 31n), -(2n ** 32n), -(2n ** 32n) - 1n, -(2n ** 53n), -(2n ** 53n) - 1n, -(2n ** 63n),
];
const INT32_SAMPLES = [0, 1, -1, 127, 128, 16383, 16384, 2 ** 31 - 1, -(2 ** 31), -300];
const STRINGS = ['', 'a', 'main.default.air_quality', 'é', '日本語テキスト', '😀 emoji', 'x'.repeat(200), 'ü'.repeat(100), '\ud800 lone'];

function pbjsHex(fill: (w: protobuf.Writer) => void): string {
  const w = protobuf.Writer.create();
  fill(w);
  return Buffer.from(w.finish()).toString('hex');
}
const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');

test('varint and zigzag encodings match protobufjs byte for byte', () => {
  for (const v of INT64_SAMPLES) {
    const s = v.toString();
    assert.equal(hex(new ProtoWriter().int64(v).finish()), pbjsHex((w) => w.int64(s)), `int64 ${s}`);
    assert.equal(hex(new ProtoWriter().sint64(v).finish()), pbjsHex((w) => w.sint64(s)), `sint64 ${s}`);
    assert.equal(hex(new ProtoWriter().sfixed64(v).finish()), pbjsHex((w) => w.sfixed64(s)), `sfixed64 ${s}`);
    if (Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v) {
      assert.equal(hex(new ProtoWriter().int64(Number(v)).finish()), pbjsHex((w) => w.int64(s)), `int64 number ${s}`);
    }
    const u = BigInt.asUintN(64, v);
    assert.equal(varint64Size(v), new ProtoWriter().int64(v).length, `varint64Size ${s}`);
    assert.equal(hex(new ProtoWriter().uint64(u).finish()), pbjsHex((w) => w.uint64(u.toString())), `uint64 ${u}`);
    assert.equal(hex(new ProtoWriter().fixed64(u).finish()), pbjsHex((w) => w.fixed64(u.toString())), `fixed64 ${u}`);
  }
  for (const v of INT32_SAMPLES) {
    assert.equal(hex(new ProtoWriter().int32(v).finish()), pbjsHex((w) => w.int32(v)), `int32 ${v}`);
    assert.equal(hex(new ProtoWriter().sint32(v).finish()), pbjsHex((w) => w.sint32(v)), `sint32 ${v}`);
    assert.equal(hex(new ProtoWriter().uint32(v >>> 0).finish()), pbjsHex((w) => w.uint32(v >>> 0)), `uint32 ${v}`);
  }
});

test('64-bit readers invert the writers, including values beyond 2^53', () => {
  for (const v of INT64_SAMPLES) {
    const u = BigInt.asUintN(64, v);
    const buf = new ProtoWriter().int64(v).sint64(v).uint64(u).fixed64(u).sfixed64(v).finish();
    const r = new ProtoReader(buf);
    assert.equal(r.int64(), v);
    assert.equal(r.sint64(), v);
    assert.equal(r.uint64(), u);
    assert.equal(r.fixed64(), u);
    assert.equal(r.sfixed64(), v);
    assert.ok(r.done);
    const n = new ProtoReader(new ProtoWriter().int64(v).finish()).int64Number();
    if (Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v) assert.equal(n, Number(v));
    else assert.equal(BigInt(n), v);
  }
});

test('32-bit, float, bool and string round trips; strings match protobufjs', () => {
  const w = new ProtoWriter(16);
  for (const v of INT32_SAMPLES) w.int32(v).sint32(v).sfixed32(v).fixed32(v >>> 0);
  w.float(1.5).double(-0.1).bool(true).bool(false);
  for (const s of STRINGS) w.string(s);
  const r = new ProtoReader(w.finish());
  for (const v of INT32_SAMPLES) {
    assert.equal(r.int32(), v);
    assert.equal(r.sint32(), v);
    assert.equal(r.sfixed32(), v);
    assert.equal(r.fixed32(), v >>> 0);
  }
  assert.equal(r.float(), 1.5);
  assert.equal(r.double(), -0.1);
  assert.equal(r.bool(), true);
  assert.equal(r.bool(), false);
  for (const s of STRINGS) assert.equal(r.string(), s.replace('\ud800', '\ufffd'));
  assert.ok(r.done);
  // Plain Uint8Array input (not a Buffer) decodes the same.
  for (const s of STRINGS) {
    const bytes = new Uint8Array(Buffer.from(s));
    assert.equal(decodeUtf8(bytes, 0, bytes.length), s.replace('\ud800', '\ufffd'));
  }
  for (const s of STRINGS) {
    assert.equal(utf8Length(s), Buffer.byteLength(s));
    // protobufjs writes a lone surrogate as WTF-8; we follow TextEncoder/Buffer and write U+FFFD.
    if (s.includes('\ud800')) continue;
    assert.equal(hex(new ProtoWriter().string(s).finish()), pbjsHex((x) => x.string(s)), `string ${JSON.stringify(s)}`);
  }
});

test('fork/ldelim writes nested lengths, shifting bodies of 128 bytes and more', () => {
  for (const size of [0, 1, 127, 128, 16383, 16384, 70000]) {
    const payload = new Uint8Array(size).fill(7);
    const ours = new ProtoWriter(8).tag(1, WireType.LENGTH_DELIMITED).fork().tag(2, WireType.LENGTH_DELIMITED).fork().raw(payload).ldelim().tag(3, WireType.VARINT).uint32(5).ldelim().finish();
    const theirs = pbjsHex((w) => w.uint32(10).fork().uint32(18).bytes(payload).uint32(24).uint32(5).ldelim());
    assert.equal(hex(ours), theirs, `size ${size}`);
    const r = new ProtoReader(ours);
    assert.equal(r.tag(), (1 << 3) | 2);
    const sub = r.subReader();
    assert.equal(sub.tag(), (2 << 3) | 2);
    assert.equal(sub.bytes().length, size);
    assert.equal(sub.tag(), 3 << 3);
    assert.equal(sub.uint32(), 5);
    assert.ok(sub.done && r.done);
  }
  assert.equal(varint32Size(127), 1);
  assert.equal(varint32Size(128), 2);
  assert.equal(varint32Size(2 ** 32 - 1), 5);
});

test('bytes() returns a view into the input, not a copy', () => {
  const buf = new ProtoWriter().bytes(new Uint8Array([1, 2, 3])).finish();
  const view = new ProtoReader(buf).bytes();
  assert.equal(view.buffer, buf.buffer);
  assert.equal(view.byteOffset, buf.byteOffset + 1);
});

test('skip() passes over every wire type, including nested groups', () => {
  const w = new ProtoWriter()
    .tag(1, WireType.VARINT).int64(-5n)
    .tag(2, WireType.FIXED64).fixed64(9n)
    .tag(3, WireType.LENGTH_DELIMITED).string('skip me')
    .tag(4, WireType.FIXED32).fixed32(1)
    .tag(5, WireType.START_GROUP).tag(6, WireType.VARINT).uint32(1).tag(7, WireType.START_GROUP).tag(7, WireType.END_GROUP).tag(5, WireType.END_GROUP)
    .tag(8, WireType.VARINT).uint32(42);
  const r = new ProtoReader(w.finish());
  for (;;) {
    const t = r.tag();
    if (t >>> 3 === 8) break;
    r.skipTag(t);
  }
  assert.equal(r.uint32(), 42);
  assert.ok(r.done);
});

test('malformed input raises ProtobufDecodeError with the position', () => {
  const cases: Array<[Uint8Array, (r: ProtoReader) => unknown]> = [
    [new Uint8Array([0x80]), (r) => r.uint32()],
    [new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), (r) => r.int64()],
    [new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), (r) => r.uint32()],
    [new Uint8Array([0x05, 0x61]), (r) => r.string()],
    [new Uint8Array([0x01, 0x02]), (r) => r.fixed32()],
    [new Uint8Array([0x00]), (r) => r.tag()],
    [new Uint8Array([0x0e]), (r) => r.skipTag(r.tag())],
    [new Uint8Array([0x0b, 0x14]), (r) => r.skipTag(r.tag())],
  ];
  for (const [bytes, read] of cases) {
    assert.throws(() => read(new ProtoReader(bytes)), ProtobufDecodeError, hex(bytes));
  }
  // A bounded sub-reader must not read past its own end even when the parent buffer continues.
  const r = new ProtoReader(new Uint8Array([0x01, 0x80, 0x01]));
  const sub = r.subReader();
  assert.throws(() => sub.uint32(), ProtobufDecodeError);
});

test('a writer over an exactly sized buffer returns that buffer', () => {
  const target = Buffer.alloc(3);
  const out = new ProtoWriter(target).tag(1, WireType.VARINT).uint32(300).finish();
  assert.equal(out, target);
  assert.equal(hex(out), '08ac02');
  for (const v of INT64_SAMPLES) {
    const exact = Buffer.alloc(varint64Size(v));
    assert.equal(new ProtoWriter(exact).int64(v).finish(), exact, `int64 ${v}`);
  }
});

test('reset() reuses the buffer and growth preserves what was written', () => {
  const w = new ProtoWriter(16);
  for (let i = 0; i < 1000; i++) w.uint32(i);
  const r = new ProtoReader(w.finish());
  for (let i = 0; i < 1000; i++) assert.equal(r.uint32(), i);
  w.reset().uint32(1);
  assert.equal(hex(w.finish()), '01');
});
