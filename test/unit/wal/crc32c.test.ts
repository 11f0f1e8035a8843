import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { crc32cImplementation, crc32cUpdate, crc32cUpdateJs } from '../../../src/wal/crc32c.js';

/** Bit-at-a-time CRC32C straight from the definition, to check the sliced tables against. */
function referenceCrc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

test('the native CRC32C is installed on the platforms it is built for', (t) => {
  if (!['linux', 'darwin', 'win32'].includes(process.platform) || !['x64', 'arm64'].includes(process.arch)) {
    t.skip(`no prebuilt @node-rs/crc32 assumed for ${process.platform}-${process.arch}`);
    return;
  }
  assert.equal(crc32cImplementation, 'native');
});

for (const [name, update] of [
  ['in use', crc32cUpdate],
  ['javascript', crc32cUpdateJs],
] as const) {
  const crc32c = (data: Uint8Array): number => update(0, data);
  test(`${name}: known vectors (the check value and RFC 3720 iSCSI vectors)`, () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(new Uint8Array(0)), 0);
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  });

  test(`${name}: matches the bitwise definition for every length up to 300 bytes`, () => {
    const data = randomBytes(300);
    for (let length = 0; length <= 300; length++) {
      const slice = data.subarray(0, length);
      assert.equal(crc32c(slice), referenceCrc32c(slice), `length ${length}`);
    }
  });

  test(`${name}: matches the bitwise definition at every memory alignment`, () => {
    const data = randomBytes(400);
    for (let offset = 0; offset < 8; offset++) {
      for (const length of [63, 64, 65, 100, 255, 256, 391]) {
        const view = data.subarray(offset, offset + length);
        assert.equal(crc32c(view), referenceCrc32c(view), `offset ${offset}, length ${length}`);
      }
    }
  });

  test(`${name}: updating in pieces, at any split, equals the checksum of the whole`, () => {
    const data = randomBytes(200);
    const whole = crc32c(data);
    for (let split = 0; split <= data.length; split++) {
      assert.equal(update(update(0, data, 0, split), data, split), whole, `split ${split}`);
    }
  });

  test(`${name}: a range of a larger buffer is checksummed on its own`, () => {
    const data = randomBytes(300);
    assert.equal(update(0, data, 5, 50), referenceCrc32c(data.subarray(5, 50)));
    assert.equal(update(0, data, 7, 250), referenceCrc32c(data.subarray(7, 250)));
  });
}
