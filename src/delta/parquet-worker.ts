/**
 * Worker-thread entry for the CPU-heavy Parquet work (encoding data files, compaction, checkpoints), so the
 * event loop that acknowledges records never waits on it. Spawned by {@link ParquetWorkerPool}.
 */
import { parentPort } from 'node:worker_threads';
import { asTributaryError } from '../errors.js';
import { encodeCheckpoint } from './checkpoint.js';
import { readParquetBatches, writeDataFile, writeDataFileFromIpc } from './parquet-file.js';
import type { WorkerReply, WorkerRequest, WorkerResult } from './parquet-pool.js';

function run(request: WorkerRequest): WorkerResult {
  switch (request.op) {
    case 'encode':
      return writeDataFileFromIpc(request.fields, request.payloads, request.codec);
    case 'compact':
      return writeDataFile(request.fields, request.files.flatMap(readParquetBatches), 'zstd', true);
    case 'checkpoint':
      return { bytes: encodeCheckpoint(request.actions) };
  }
}

const port = parentPort;
if (port === null) throw new Error('parquet-worker must run in a worker thread');
port.on('message', (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const result = run(request);
    reply = { id: request.id, ok: true, result };
    port.postMessage(reply, [result.bytes.buffer as ArrayBuffer]);
  } catch (e) {
    const error = asTributaryError(e);
    const message = error.kind === 'internal' && e instanceof Error ? e.message : error.message;
    reply = { id: request.id, ok: false, kind: error.kind, message };
    port.postMessage(reply);
  }
});
