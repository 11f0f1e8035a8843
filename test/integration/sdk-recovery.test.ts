/**
 * Recovery, rotation, back-pressure and failure behaviour of the SDK against a scripted Zerobus peer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { RecordType, ZerobusError, ZerobusSdk, type StreamConfigurationOptions } from '../../src/sdk/index.js';
import type { EphemeralStreamRequest } from '../../src/protocol/messages.js';
import { ScriptedZerobusServer, autoAck, type Script } from '../helpers/scripted-zerobus-server.js';

const TABLE = 'main.default.air_quality';
const FAST: StreamConfigurationOptions = { recordType: RecordType.Json, recoveryBackoffMs: 5, recoveryTimeoutMs: 5_000 };

/** Runs `body` with a server using `script` and an SDK pointed at it; always cleans up. */
async function withServer(script: Script, body: (server: ScriptedZerobusServer, sdk: ZerobusSdk) => Promise<void>): Promise<void> {
  const server = await ScriptedZerobusServer.start(script);
  const sdk = new ZerobusSdk(server.endpoint, server.ucUrl);
  try {
    await body(server, sdk);
    assert.deepEqual(server.scriptErrors, []);
  } finally {
    sdk.close();
    await server.stop();
  }
}

/** Reads `count` ingest messages from a call. */
async function take(call: { next(): Promise<EphemeralStreamRequest | undefined> }, count: number): Promise<EphemeralStreamRequest[]> {
  const out: EphemeralStreamRequest[] = [];
  while (out.length < count) {
    const m = await call.next();
    if (!m) throw new Error(`call ended after ${out.length} of ${count} messages`);
    out.push(m);
  }
  return out;
}

const jsonOf = (m: EphemeralStreamRequest): string => (m.kind === 'ingest_record' && m.record.kind === 'json' ? m.record.json : '?');

/** Lets every pending I/O callback and microtask run (no time passes that matters). */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

test('after a retryable failure the unacked records are replayed on a new call from wire offset 0, logical offsets kept', async () => {
  const script: Script = async (call) => {
    if (call.index > 0) return autoAck(call);
    await call.acceptCreate();
    await take(call, 3);
    call.ack(0);
    await settle();
    call.end(status.UNAVAILABLE, 'node restarting');
  };
  await withServer(script, async (server, sdk) => {
    const stream = await sdk.createStream({ tableName: TABLE }, 'id', 'secret', FAST);
    const acked = stream.ingestRecord('{"n":0}');
    const second = stream.ingestRecord('{"n":1}');
    assert.equal(await stream.ingestRecordOffset('{"n":2}'), 2n);
    assert.equal(await acked, 0n);
    // Recorded by the new call once the old one failed; the deprecated ack promise resolves normally.
    assert.equal(await second, 1n);
    assert.equal(await stream.ingestRecordOffset('{"n":3}'), 3n);
    await stream.flush();
    await stream.close();

    assert.equal(server.calls.length, 2);
    const replay = server.calls[1]!.requests.slice(1);
    assert.deepEqual(replay.map((m) => (m.kind === 'create_stream' ? -1n : m.offsetId)), [0n, 1n, 2n]);
    assert.deepEqual(replay.map(jsonOf), ['{"n":1}', '{"n":2}', '{"n":3}']);
    // A fresh token for every call.
    assert.equal(server.tokenRequests.length, 2);
    assert.equal(server.calls[1]!.header('authorization'), 'Bearer token-1');
  });
});

for (const [name, code] of [
  ['INTERNAL', status.INTERNAL],
  ['RESOURCE_EXHAUSTED', status.RESOURCE_EXHAUSTED],
  ['OK without acks', status.OK],
] as const) {
  test(`mid-stream ${name} is recovered transparently`, async () => {
    const script: Script = async (call) => {
      if (call.index > 0) return autoAck(call);
      await call.acceptCreate();
      await take(call, 1);
      call.end(code, 'try again');
    };
    await withServer(script, async (server, sdk) => {
      const stream = await sdk.createStream({ tableName: TABLE }, 'id', 'secret', FAST);
      assert.equal(await stream.ingestRecord({ x: 1 }), 0n);
      await stream.close();
      assert.equal(server.calls.length, 2);
    });
  });
}

for (const [name, code] of [
  ['INVALID_ARGUMENT', status.INVALID_ARGUMENT],
  ['NOT_FOUND', status.NOT_FOUND],
  ['OUT_OF_RANGE', status.OUT_OF_RANGE],
  ['UNIMPLEMENTED', status.UNIMPLEMENTED],
  ['UNAUTHENTICATED', status.UNAUTHENTICATED],
  ['PERMISSION_DENIED', status.PERMISSION_DENIED],
] as const) {
  test(`mid-stream ${name} fails the stream; unacked records stay available and can be recreated`, async () => {
    const script: Script = async (call) => {
      if (call.index > 0) return autoAck(call);
      await call.acceptCreate();
      await take(call, 3);
      call.ack(0);
      await settle();
      call.end(code, 'bad record at offset 1');
    };
    await withServer(script, async (server, sdk) => {
      const stream = await sdk.createStream({ tableName: TABLE }, 'id', 'secret', FAST);
      await stream.ingestRecordOffset('{"n":0}');
      const pending = stream.ingestRecord('{"n":1}');
      await stream.ingestRecordsOffset(['{"n":2}', '{"n":3}']);
      const error = await pending.then(
        () => assert.fail('must reject'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ZerobusError);
      assert.equal(error.isRetryable, false);
      assert.equal(error.code, code);
      assert.match(error.message, /^Acknowledgment failed: /);
      assert.match(error.message, /bad record at offset 1/);
      await assert.rejects(stream.ingestRecordOffset('{"n":4}'), (e: ZerobusError) => e.message.startsWith('Failed to ingest record: '));
      await assert.rejects(stream.flush(), (e: ZerobusError) => e.message.startsWith('Failed to flush stream: ') && e.code === code);
      assert.deepEqual((await stream.getUnackedRecords()).map(String), ['{"n":1}', '{"n":2}', '{"n":3}']);
      assert.deepEqual((await stream.getUnackedBatches()).map((b) => b.map(String)), [['{"n":1}'], ['{"n":2}', '{"n":3}']]);
      assert.equal(server.calls.length, 1);

      const again = await sdk.recreateStream(stream);
      await again.flush();
      await again.close();
      await stream.close();
      assert.deepEqual(server.calls[1]!.requests.slice(1), [
        { kind: 'ingest_record', offsetId: 0n, record: { kind: 'json', json: '{"n":1}' } },
        { kind: 'ingest_record_batch', offsetId: 1n, batch: { kind: 'json', records: ['{"n":2}', '{"n":3}'] } },
      ]);
    });
  });
}

test('getUnackedRecords is refused on an active stream', async () => {
  await withServer(autoAck, async (_server, sdk) => {
    const stream = await sdk.createStream({ tableName: TABLE }, 'id', 'secret', FAST);
    await assert.rejects(stream.getUnackedRecords(), /Cannot get unacked records from an active stream/);
    await stream.close();
    await assert.rejects(stream.ingestRecordOffset('{}'), /^ZerobusError: Stream has been closed$/);
  });
});

test('creation: retryable statuses get recoveryRetries+1 attempts, fatal ones one, auth ones exactly two', async () => {
  const cases: Array<[number, number, boolean]> = [
    [status.UNAVAILABLE, 3, true],
    [status.INVALID_ARGUMENT, 1, false],
    [status.NOT_FOUND, 1, false],
    [status.UNAUTHENTICATED, 2, false],
    [status.PERMISSION_DENIED, 2, false],
  ];
  for (const [code, attempts, retryable] of cases) {
    await withServer(
      async (call) => call.end(code, 'still down'),
      async (server, sdk) => {
        await assert.rejects(
          sdk.createStream({ tableName: TABLE }, 'id', 'secret', { ...FAST, recoveryRetries: 2 }),
          (e: unknown) =>
            e instanceof ZerobusError &&
            e.code === code &&
            e.isRetryable === retryable &&
            e.message.startsWith('Failed to create stream: Failed to create stream: code: ') &&
            e.message.endsWith('message: "still down"'),
        );
        assert.equal(server.calls.length, attempts, `code ${code}`);
        assert.equal(server.tokenRequests.length, attempts, `token per attempt, code ${code}`);
      },
    );
  }
});

test('creation: recovery false means a single attempt; a missing stream_id or an ack first is retried', async () => {
  await withServer(
    async (call) => call.end(status.UNAVAILABLE, 'down'),
    async (server, sdk) => {
      await assert.rejects(sdk.createStream({ tableName: TABLE }, 'id', 'secret', { ...FAST, recovery: false }), /down/);
      assert.equal(server.calls.length, 1);
    },
  );
  const script: Script = async (call) => {
    if (call.index === 2) return autoAck(call);
    await call.next();
    if (call.index === 0) call.send({ kind: 'create_stream_response' });
    else call.ack(0);
    await call.gone();
  };
  await withServer(script, async (server, sdk) => {
    const stream = await sdk.createStream({ tableName: TABLE }, 'id', 'secret', FAST);
    await stream.close();
    assert.equal(server.calls.length, 3);
  });
});

test('the token endpoint: 4xx fails fast, 5xx is retried like an unavailable server', async () => {
  await withServer(autoAck, async (server, sdk) => {
    server.tokenReply = () => ({ status: 401, body: '{"error":"invalid_client"}' });
    await assert.rejects(
      sdk.createStream({ tableName: TABLE }, 'id', 'wrong', FAST),
      (e: ZerobusError) =>
        e.message === 'Failed to create stream: Specified UC token is in invalid format: Client error (401): {"error":"invalid_client"}' &&
        !e.isRetryable,
    );
    assert.equal(server.tokenRequests.length, 1);
    server.tokenReply = () => ({ status: 503, body: 'busy' });
    await assert.rejects(
      sdk.createStream({ tableName: TABLE }, 'id', 'secret', { ...FAST, recoveryRetries: 1 }),
      (e: ZerobusError) => e.message.includes('Token fetch failed: Unity catalog server error (503): busy') && e.isRetryable,
    );
    assert.equal(server.tokenRequests.length, 3);
    assert.equal(server.calls.length, 0);
  });
});

test('maxInflightRequests is a hard window: the next ingest waits until an ack frees a slot', async () => {
  let release: (() => void) | undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let maxOutstanding = 0;
  const script: Script = async (call) => {
    await call.acceptCreate();
    const first = await take(call, 2);
    maxOutstanding = Math.max(maxOutstanding, first.length);
    await released;
    call.ack(0);
    const rest = await take(call, 1);
    maxOutstanding = Math.max(maxOutstanding, 1 + rest.length);
    call.ack(2);
    await call.gone();
    call.end();
  };
  await withServer(script, async (server, sdk) => {
    const stream = await sdk.createStream({ tableName: TABLE }, 'id', 'secret', { ...FAST, maxInflightRequests: 2 });
    assert.equal(await stream.ingestRecordOffset('{"n":0}'), 0n);
    assert.equal(await stream.ingestRecordOffset('{"n":1}'), 1n);
    let third: bigint | undefined;
    const blocked = stream.ingestRecordOffset('{"n":2}').then((o) => (third = o));
    await server.waitForCalls(1);
    while (server.calls[0]!.requests.length < 3) await settle();
    await settle();
    assert.equal(third, undefined, 'the third ingest must wait for room');
    release!();
    await blocked;
    assert.equal(third, 2n);
    await stream.flush();
    await stream.close();
    assert.equal(maxOutstanding, 2);
  });
});

test('close_stream_signal: the client drains acks, half-closes, and continues on a new call without errors', async () => {
  const script: Script = async (call) => {
    if (call.index > 0) return autoAck(call);
    await call.acceptCreate();
    await take(call, 2);
    call.ack(1);
    call.closeSignal(30);
    await call.gone();
    call.end();
  };
  await withServer(script, async (server, sdk) => {
    const stream = await sdk.createStream({ tableName: TABLE }, 'id', 'secret', FAST);
    await stream.ingestRecordOffset('{"n":0}');
    await stream.ingestRecordOffset('{"n":1}');
    await stream.waitForOffset(1n);
    await server.waitForCalls(2);
    assert.equal(await stream.ingestRecordOffset('{"n":2}'), 2n);
    await stream.flush();
    await stream.close();
    assert.equal(server.calls[0]!.halfClosed, true);
    assert.deepEqual(server.calls[1]!.requests.slice(1), [{ kind: 'ingest_record', offsetId: 0n, record: { kind: 'json', json: '{"n":2}' } }]);
    assert.equal(server.tokenRequests.length, 2);
  });
});

test('close_stream_signal with records unacked: after streamPausedMaxWaitTimeMs they are replayed on the new call', async () => {
  const script: Script = async (call) => {
    if (call.index > 0) return autoAck(call);
    await call.acceptCreate();
    await take(call, 3);
    // Signal first: by the time the producer sees offset 0 acknowledged, the stream is paused.
    call.closeSignal(3600);
    call.ack(0);
    await call.gone();
  };
  await withServer(script, async (server, sdk) => {
    const stream = await sdk.createStream({ tableName: TABLE }, 'id', 'secret', { ...FAST, streamPausedMaxWaitTimeMs: 50 });
    for (let n = 0; n < 3; n++) await stream.ingestRecordOffset(`{"n":${n}}`);
    await stream.waitForOffset(0n);
    // Accepted while paused: queued, sent after the replay on the next call.
    assert.equal(await stream.ingestRecordOffset('{"n":3}'), 3n);
    await stream.flush();
    await stream.close();
    assert.deepEqual(server.calls[0]!.requests.slice(1).map(jsonOf), ['{"n":0}', '{"n":1}', '{"n":2}']);
    const next = server.calls[1]!.requests.slice(1);
    assert.deepEqual(next.map(jsonOf), ['{"n":1}', '{"n":2}', '{"n":3}']);
    assert.deepEqual(next.map((m) => (m.kind === 'create_stream' ? -1n : m.offsetId)), [0n, 1n, 2n]);
  });
});

test('no acks for serverLackOfAckTimeoutMs: the call is abandoned and the records replayed', async () => {
  const script: Script = async (call) => {
    if (call.index > 0) return autoAck(call);
    await call.acceptCreate();
    await call.gone();
  };
  await withServer(script, async (server, sdk) => {
    const stream = await sdk.createStream({ tableName: TABLE }, 'id', 'secret', { ...FAST, serverLackOfAckTimeoutMs: 100 });
    assert.equal(await stream.ingestRecord('{"n":0}'), 0n);
    await stream.close();
    assert.equal(server.calls.length, 2);
    assert.equal(server.calls[0]!.cancelled, true);
  });
});

test('an ack beyond what was sent is a protocol violation: the call is replaced and the record replayed', async () => {
  const script: Script = async (call) => {
    if (call.index > 0) return autoAck(call);
    await call.acceptCreate();
    await take(call, 1);
    call.ack(10);
    await call.gone();
  };
  await withServer(script, async (server, sdk) => {
    const stream = await sdk.createStream({ tableName: TABLE }, 'id', 'secret', FAST);
    assert.equal(await stream.ingestRecord('{"n":0}'), 0n);
    await stream.close();
    assert.equal(server.calls.length, 2);
  });
});

test('flush and waitForOffset time out without failing the stream', async () => {
  let ackNow: (() => void) | undefined;
  const script: Script = async (call) => {
    await call.acceptCreate();
    await take(call, 1);
    await new Promise<void>((resolve) => (ackNow = resolve));
    call.ack(0);
    await call.gone();
    call.end();
  };
  await withServer(script, async (server, sdk) => {
    const stream = await sdk.createStream({ tableName: TABLE }, 'id', 'secret', { ...FAST, flushTimeoutMs: 50 });
    await stream.ingestRecordOffset('{}');
    await assert.rejects(stream.flush(), (e: ZerobusError) => e.message.endsWith('message: "Flush timed out"') && e.message.startsWith('Failed to flush stream: '));
    await assert.rejects(stream.waitForOffset(0n), /Waiting for acknowledgement timed out/);
    await assert.rejects(stream.waitForOffset(7n), /offset 7 has not been issued/);
    while (!ackNow) await settle();
    ackNow();
    await stream.waitForOffset(0n);
    await stream.close();
    assert.equal(server.calls.length, 1);
  });
});

test('many concurrent ingest calls behind a small window keep their call order on the wire', async () => {
  await withServer(autoAck, async (server, sdk) => {
    const stream = await sdk.createStream({ tableName: TABLE }, 'id', 'secret', { ...FAST, maxInflightRequests: 16 });
    const offsets = await Promise.all(Array.from({ length: 3000 }, (_, n) => stream.ingestRecordOffset(`{"n":${n}}`)));
    assert.deepEqual(offsets, Array.from({ length: 3000 }, (_, n) => BigInt(n)));
    await stream.close();
    assert.deepEqual(server.ingestRequests().map(jsonOf), Array.from({ length: 3000 }, (_, n) => `{"n":${n}}`));
  });
});
