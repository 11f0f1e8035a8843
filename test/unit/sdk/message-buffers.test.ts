import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageBuffers } from '../../../src/sdk/message-buffers.js';

describe('message buffers', () => {
  it('hands out exactly the size asked for, and never one buffer twice before it is released', () => {
    const buffers = new MessageBuffers();
    const a = buffers.allocate(100_000);
    const b = buffers.allocate(100_000);
    assert.equal(a.length, 100_000);
    assert.notEqual(a.buffer, b.buffer);
    buffers.release(a);
    buffers.release(a);
    const c = buffers.allocate(90_000);
    const d = buffers.allocate(90_000);
    assert.equal(c.buffer, a.buffer, 'a released buffer is reused');
    assert.equal(c.length, 90_000);
    assert.notEqual(d.buffer, a.buffer, 'releasing twice does not make it available twice');
  });

  it('reuses a buffer only for messages between half its size and its size', () => {
    const buffers = new MessageBuffers();
    const a = buffers.allocate(300_000);
    const size = a.buffer.byteLength;
    buffers.release(a);
    assert.notEqual(buffers.allocate(size / 2 - 1).buffer, a.buffer, 'too small a message for it');
    assert.notEqual(buffers.allocate(size + 1).buffer, a.buffer, 'too large');
    assert.equal(buffers.allocate(size / 2).buffer, a.buffer);
  });

  it('leaves small messages and memory it did not allocate to Node', () => {
    const buffers = new MessageBuffers();
    const small = buffers.allocate(100);
    buffers.release(small);
    const foreign = Buffer.allocUnsafeSlow(100_000);
    buffers.release(foreign);
    assert.notEqual(buffers.allocate(100_000).buffer, foreign.buffer);
  });

  it('keeps at most 16 MiB for reuse', () => {
    const buffers = new MessageBuffers();
    const taken = [0, 1, 2].map(() => buffers.allocate(5_000_000));
    for (const b of taken) buffers.release(b);
    const again = [0, 1, 2].map(() => buffers.allocate(5_000_000).buffer);
    const reused = again.filter((b) => taken.some((t) => t.buffer === b));
    assert.equal(reused.length, 2, 'two 8 MiB buffers kept, the third left to the GC');
  });
});
