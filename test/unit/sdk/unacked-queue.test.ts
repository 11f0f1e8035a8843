import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnackedQueue } from '../../../src/sdk/unacked-queue.js';
import { AckWaiters } from '../../../src/sdk/ack-waiters.js';
import { ZerobusError } from '../../../src/sdk/zerobus-error.js';

function sendAll<T>(q: UnackedQueue<T>): number[] {
  const offsets: number[] = [];
  while (q.peekUnsent() !== undefined) {
    offsets.push(q.nextWireOffset);
    q.markSent();
  }
  return offsets;
}

test('cumulative acks complete entries in order; duplicates and regressions change nothing', () => {
  const q = new UnackedQueue<string>();
  for (const s of ['a', 'b', 'c', 'd']) q.push(s);
  assert.deepEqual(sendAll(q), [0, 1, 2, 3]);
  const done: string[] = [];
  assert.deepEqual(q.ack(1, (s) => done.push(s)), { kind: 'acked', count: 2 });
  assert.deepEqual(q.ack(1, (s) => done.push(s)), { kind: 'acked', count: 0 });
  assert.deepEqual(q.ack(0, (s) => done.push(s)), { kind: 'acked', count: 0 });
  assert.deepEqual(done, ['a', 'b']);
  assert.deepEqual(q.ack(3, (s) => done.push(s)), { kind: 'acked', count: 2 });
  assert.deepEqual(done, ['a', 'b', 'c', 'd']);
  assert.equal(q.size, 0);
});

test('an ack beyond what was sent is reported, not applied', () => {
  const q = new UnackedQueue<string>();
  q.push('a');
  q.push('b');
  q.peekUnsent();
  q.markSent();
  assert.deepEqual(q.ack(5, () => assert.fail('nothing may complete')), { kind: 'beyond_sent', highestSent: 0 });
  assert.equal(q.size, 2);
});

test('a new call resends everything unacknowledged from wire offset 0, then continues', () => {
  const q = new UnackedQueue<string>();
  for (const s of ['a', 'b', 'c']) q.push(s);
  sendAll(q);
  q.ack(0, () => undefined);
  q.resetForNewCall();
  q.push('d');
  const replay: string[] = [];
  while (q.peekUnsent() !== undefined) {
    replay.push(`${q.peekUnsent()}@${q.nextWireOffset}`);
    q.markSent();
  }
  assert.deepEqual(replay, ['b@0', 'c@1', 'd@2']);
  const done: string[] = [];
  q.ack(2, (s) => done.push(s));
  assert.deepEqual(done, ['b', 'c', 'd']);
});

test('the queue stays correct across many compactions', () => {
  const q = new UnackedQueue<number>();
  let next = 0;
  let expected = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 100; i++) q.push(next++);
    const first = q.nextWireOffset;
    const sent = sendAll(q).length;
    q.ack(first + sent - 1, (n) => assert.equal(n, expected++));
  }
  assert.equal(expected, 5000);
  assert.equal(q.size, 0);
});

test('ack waiters resolve at the watermark, reject on failure with their prefix, and time out', async () => {
  const w = new AckWaiters();
  const timeout = new ZerobusError('timed out', true);
  const early = w.wait(1, 60_000, timeout, 'Failed to wait for offset');
  const late = w.wait(5, 60_000, timeout, 'Failed to flush stream');
  const soon = w.wait(9, 1, timeout, 'Failed to wait for offset');
  await assert.rejects(soon, (e) => e === timeout);
  w.advance(2);
  await early;
  w.failAll(new ZerobusError('Stream is closed: boom', false, 14));
  await assert.rejects(late, (e: ZerobusError) => e.message === 'Failed to flush stream: Stream is closed: boom' && e.code === 14);
  await w.wait(0, 1, timeout, 'x');
});
