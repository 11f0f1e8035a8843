/**
 * The stream state machine on its own: acks follow durability, never lead it; messages coalesce while an
 * append is in flight; a bad message ends the stream only after what came before it is durable and acked.
 * Decoding is the real JSON decoder and batches are real RowBatches; only durability is held in the test's
 * hand, so each interleaving can be forced.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TableInfo } from '../../../src/catalog/model.js';
import { parseTypeText } from '../../../src/catalog/types.js';
import { TributaryError } from '../../../src/errors.js';
import { compileJsonDecoder } from '../../../src/ingest/json-decoder.js';
import { RowBatch } from '../../../src/ingest/row-batch.js';
import { PendingBudget } from '../../../src/ingest/pending-budget.js';
import { StreamSession, type OpenedStream, type StreamTransport } from '../../../src/ingest/stream-session.js';
import type { EphemeralStreamRequest, EphemeralStreamResponse } from '../../../src/protocol/messages.js';
import { resolveConfig } from '../../../src/server/config.js';

const columns = [
  { name: 'id', type: parseTypeText('BIGINT'), nullable: false, position: 0 },
  { name: 'name', type: parseTypeText('STRING'), nullable: true, position: 1 },
];
const table = { fullName: 'main.default.t', columns } as unknown as TableInfo;

interface Harness {
  session: StreamSession;
  sent: EphemeralStreamResponse[];
  ended: { error?: TributaryError }[];
  appended: { rows: number; resolve: () => void; reject: (e: Error) => void }[];
  paused: boolean;
  /** Row batches the session asked for. */
  batchesCreated: number;
  send(offset: number, records: string[]): void;
}

async function harness(limits: Partial<ReturnType<typeof resolveConfig>['ingest']> = {}, budget?: PendingBudget): Promise<Harness> {
  const h = { sent: [], ended: [], appended: [], paused: false, batchesCreated: 0 } as unknown as Harness;
  const transport: StreamTransport = {
    send: (r) => h.sent.push(r),
    end: (error) => h.ended.push(error ? { error } : {}),
    pause: () => (h.paused = true),
    resume: () => (h.paused = false),
  };
  const decoder = compileJsonDecoder(columns);
  const stream: OpenedStream = {
    table,
    principal: 'p',
    decode: (record, into, offset, index) => {
      if (record.kind !== 'json') throw new Error('json only');
      decoder.decode(record.json, into, offset, index);
    },
    newBatch: () => {
      h.batchesCreated++;
      return new RowBatch(columns);
    },
    append: (batch) =>
      new Promise<void>((resolve, reject) => h.appended.push({ rows: batch.rowCount, resolve, reject })),
  };
  const config = resolveConfig({ idleTimeoutMs: 0 }, {});
  const merged = { ...config.ingest, ...limits };
  h.session = new StreamSession(transport, async () => stream, merged, 1, {}, Date.now, budget ?? new PendingBudget(merged.maxPendingBytes));
  h.send = (offset, records) => {
    const request: EphemeralStreamRequest =
      records.length === 1
        ? { kind: 'ingest_record', offsetId: BigInt(offset), record: { kind: 'json', json: records[0]! } }
        : { kind: 'ingest_record_batch', offsetId: BigInt(offset), batch: { kind: 'json', records } };
    h.session.receive(request, records.join('').length);
  };
  h.session.receive({ kind: 'create_stream', tableName: 'main.default.t', recordType: 2 }, 10);
  await new Promise((r) => setImmediate(r));
  return h;
}

const tick = () => new Promise((r) => setImmediate(r));
const acks = (h: Harness) =>
  h.sent.flatMap((r) => (r.kind === 'ingest_record_response' ? [r.durabilityAckUpToOffset] : []));

test('create_stream_response comes first, with a stream id', async () => {
  const h = await harness();
  assert.equal(h.sent[0]?.kind, 'create_stream_response');
  assert.ok(h.sent[0]?.kind === 'create_stream_response' && h.sent[0].streamId);
});

test('acks only after the append is durable, and coalesces messages that arrive meanwhile', async () => {
  const h = await harness();
  h.send(0, ['{"id":1}']);
  assert.equal(h.appended.length, 1);
  h.send(1, ['{"id":2}']);
  h.send(2, ['{"id":3}', '{"id":4}']);
  assert.equal(h.appended.length, 1, 'one append in flight per stream');
  assert.deepEqual(acks(h), []);
  h.appended[0]!.resolve();
  await tick();
  assert.deepEqual(acks(h), [0n]);
  assert.equal(h.appended.length, 2);
  assert.equal(h.appended[1]!.rows, 3, 'offsets 1 and 2 coalesced into one append');
  h.appended[1]!.resolve();
  await tick();
  assert.deepEqual(acks(h), [0n, 2n]);
});

test('reuses its two batches, also when both come back before the next message', async () => {
  const h = await harness();
  let offset = 0;
  for (let round = 0; round < 5; round++) {
    h.send(offset++, ['{"id":1}']);
    h.send(offset++, ['{"id":2}']);
    h.appended.at(-1)!.resolve();
    await tick();
    h.appended.at(-1)!.resolve();
    await tick();
  }
  assert.deepEqual(acks(h).at(-1), BigInt(offset - 1));
  assert.equal(h.batchesCreated, 2);
});

test('a bad record: what came before it is made durable and acked, then INVALID_ARGUMENT', async () => {
  const h = await harness();
  h.send(0, ['{"id":1}']);
  h.send(1, ['{"id":2}', '{"id":3}']);
  h.send(2, ['{"id":4}', '{"id":"not a number"}']);
  h.send(3, ['{"id":5}']);
  h.appended[0]!.resolve();
  await tick();
  assert.equal(h.appended[1]!.rows, 2, 'the failing batch message contributes no row');
  assert.equal(h.ended.length, 0);
  h.appended[1]!.resolve();
  await tick();
  assert.deepEqual(acks(h), [0n, 1n]);
  assert.equal(h.ended.length, 1);
  const error = h.ended[0]!.error!;
  assert.equal(error.kind, 'invalid_argument');
  assert.match(error.message, /offset 2/);
  assert.match(error.message, /id/);
});

test('a failed append ends the stream without acking it or anything after it', async () => {
  const h = await harness();
  h.send(0, ['{"id":1}']);
  h.send(1, ['{"id":2}']);
  h.appended[0]!.reject(new TributaryError('unavailable', 'disk full'));
  await tick();
  assert.deepEqual(acks(h), []);
  assert.equal(h.ended[0]?.error?.kind, 'unavailable');
});

test('offsets must start at 0 and grow by one', async () => {
  const h = await harness();
  h.send(1, ['{"id":1}']);
  await tick();
  assert.equal(h.ended[0]?.error?.kind, 'invalid_argument');
  assert.match(h.ended[0]!.error!.message, /expected offset 0 but received 1/);
});

test('half-close ends with OK after the last ack', async () => {
  const h = await harness();
  h.send(0, ['{"id":1}']);
  h.session.clientHalfClosed();
  assert.equal(h.ended.length, 0);
  h.appended[0]!.resolve();
  await tick();
  assert.deepEqual(acks(h), [0n]);
  assert.deepEqual(h.ended, [{}]);
});

test('close signal: keeps acking, ends when the client half-closes', async () => {
  const h = await harness();
  h.send(0, ['{"id":1}']);
  h.session.requestClose();
  assert.deepEqual(h.sent.at(-1), { kind: 'close_stream_signal', durationSeconds: 1 });
  h.send(1, ['{"id":2}']);
  h.appended[0]!.resolve();
  await tick();
  h.session.clientHalfClosed();
  h.appended[1]!.resolve();
  await tick();
  assert.deepEqual(acks(h), [0n, 1n]);
  assert.deepEqual(h.ended, [{}]);
});

test('quota exceeded: RESOURCE_EXHAUSTED after acking what fit', async () => {
  const h = await harness({ maxRowsPerSecond: 3 });
  h.send(0, ['{"id":1}', '{"id":2}']);
  h.send(1, ['{"id":3}', '{"id":4}']);
  h.appended[0]!.resolve();
  await tick();
  assert.deepEqual(acks(h), [0n]);
  assert.equal(h.ended[0]?.error?.kind, 'resource_exhausted');
  assert.match(h.ended[0]!.error!.message, /3 rows\/s/);
});

test('streams share one budget of pending bytes: each stops reading past it until its own pending bytes go to the WAL', async () => {
  const budget = new PendingBudget(30);
  const a = await harness({}, budget);
  const b = await harness({}, budget);
  a.send(0, ['{"id":1}']);
  a.send(1, ['{"id":2,"name":"a long enough name"}']);
  assert.equal(a.paused, true, 'a holds 33 bytes pending: over the shared budget');
  b.send(0, ['{"id":3}']);
  assert.equal(b.paused, false, 'b\'s first message goes to the WAL at once: nothing pending');
  b.send(1, ['{"id":4}']);
  assert.equal(b.paused, true, 'b pends 8 bytes while a holds the budget');
  b.appended[0]!.resolve();
  await tick();
  assert.equal(b.paused, false);
  a.appended[0]!.resolve();
  await tick();
  assert.equal(a.paused, false);
  assert.equal(budget.usedBytes, 0);
  a.send(2, ['{"id":5}']);
  assert.equal(budget.usedBytes, 8);
  a.session.fail(new TributaryError('invalid_argument', 'test'));
  for (let round = 0; round < 3; round++) {
    for (const append of a.appended) append.resolve();
    await tick();
  }
  assert.equal(a.ended.length, 1);
  assert.equal(budget.usedBytes, 0, 'an ended stream gives its pending bytes back');
});

test('stops reading when unacknowledged bytes pass the bound, resumes when they are handed to the WAL', async () => {
  const h = await harness({ maxInflightBytesPerStream: 20 });
  h.send(0, ['{"id":1}']);
  h.send(1, ['{"id":2,"name":"a long enough name"}']);
  assert.equal(h.paused, true);
  h.appended[0]!.resolve();
  await tick();
  assert.equal(h.paused, false);
});
