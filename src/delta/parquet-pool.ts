/**
 * A small pool of worker threads for Parquet encoding, compaction and checkpoints. Tasks queue in order and
 * run on the first idle worker; a worker that dies fails its task and is replaced.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { StructField } from '../catalog/types.js';
import { TributaryError, type ErrorKind } from '../errors.js';
import type { Action } from './actions.js';
import type { EncodedFile, ParquetCodec } from './parquet-file.js';

/** A task for a worker. */
export type WorkerRequest =
  | {
      readonly id: number;
      readonly op: 'encode';
      readonly fields: readonly StructField[];
      readonly payloads: readonly Uint8Array[];
      readonly codec: ParquetCodec;
    }
  | { readonly id: number; readonly op: 'compact'; readonly fields: readonly StructField[]; readonly files: readonly Uint8Array[] }
  | { readonly id: number; readonly op: 'checkpoint'; readonly actions: readonly Action[] };

export type WorkerResult = EncodedFile | { readonly bytes: Uint8Array };

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly result: WorkerResult }
  | { readonly id: number; readonly ok: false; readonly kind: ErrorKind; readonly message: string };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Task = DistributiveOmit<WorkerRequest, 'id'>;

interface Pending {
  readonly task: Task;
  resolve(result: WorkerResult): void;
  reject(error: Error): void;
}

interface Slot {
  /** Undefined after the worker died: a new one starts when a task needs it, so a broken worker never loops. */
  worker: Worker | undefined;
  current: (Pending & { id: number }) | undefined;
  /** A retired worker still shutting down: its replacement waits, so their memory is never held at once. */
  retiring: Promise<void> | undefined;
}

/** One worker per spare core, at least one and at most four (a 2-core machine gets one). */
export function defaultPoolSize(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}

export class ParquetWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(opts: { size?: number } = {}) {
    const size = opts.size ?? defaultPoolSize();
    for (let i = 0; i < size; i++) this.slots.push({ worker: this.spawn(), current: undefined, retiring: undefined });
  }

  /** Arrow IPC streams (WAL payloads) → one Parquet data file with its Delta stats. */
  encodeFile(fields: readonly StructField[], payloads: readonly Uint8Array[], codec: ParquetCodec): Promise<EncodedFile> {
    return this.submit({ op: 'encode', fields, payloads, codec }) as Promise<EncodedFile>;
  }

  /** Several Parquet files of a table → one (compaction). */
  compactFiles(fields: readonly StructField[], files: readonly Uint8Array[]): Promise<EncodedFile> {
    return this.submit({ op: 'compact', fields, files }) as Promise<EncodedFile>;
  }

  /** Checkpoint rows → the checkpoint's Parquet bytes. */
  async encodeCheckpoint(actions: readonly Action[]): Promise<Uint8Array> {
    return (await this.submit({ op: 'checkpoint', actions })).bytes;
  }

  /** Stops the workers; queued and running tasks fail. */
  async close(): Promise<void> {
    this.closed = true;
    const error = new TributaryError('unavailable', 'the Parquet worker pool is closed');
    for (const pending of this.queue.splice(0)) pending.reject(error);
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.current?.reject(error);
        slot.current = undefined;
        await slot.retiring;
        await slot.worker?.terminate();
      }),
    );
  }

  private submit(task: Task): Promise<WorkerResult> {
    if (this.closed) return Promise.reject(new TributaryError('unavailable', 'the Parquet worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.current !== undefined || slot.retiring !== undefined) continue;
      const pending = this.queue.shift();
      if (pending === undefined) return;
      const id = this.nextId++;
      const worker = (slot.worker ??= this.spawn());
      slot.current = { ...pending, id };
      worker.ref();
      worker.postMessage({ ...pending.task, id });
    }
  }

  private spawn(): Worker {
    const worker = startWorker();
    // An idle pool must not keep the process alive; a busy worker does (see dispatch).
    worker.unref();
    worker.on('message', (reply: WorkerReply) => this.onReply(worker, reply));
    worker.on('error', (error) => this.onExit(worker, error));
    worker.on('exit', (code) => this.onExit(worker, new Error(`Parquet worker exited with code ${code}`)));
    return worker;
  }

  private onReply(worker: Worker, reply: WorkerReply): void {
    const slot = this.slots.find((s) => s.worker === worker);
    const current = slot?.current;
    if (!slot || !current || current.id !== reply.id) return;
    slot.current = undefined;
    worker.unref();
    if (current.task.op === 'compact') {
      // WebAssembly memory only grows: after merging whole files the worker would keep gigabytes for good
      // (5 GB RSS measured on a 105-column table). A fresh worker is spawned for the next task.
      slot.worker = undefined;
      slot.retiring = worker.terminate().then(
        () => this.retired(slot),
        () => this.retired(slot),
      );
    }
    if (reply.ok) current.resolve(reply.result);
    else current.reject(new TributaryError(reply.kind, reply.message));
    this.dispatch();
  }

  private retired(slot: Slot): void {
    slot.retiring = undefined;
    if (!this.closed) this.dispatch();
  }

  private onExit(worker: Worker, error: Error): void {
    const slot = this.slots.find((s) => s.worker === worker);
    if (!slot) return;
    slot.current?.reject(new TributaryError('internal', `Parquet worker failed: ${error.message}`));
    slot.current = undefined;
    slot.worker = undefined;
    if (!this.closed) this.dispatch();
  }
}

/**
 * Starts a worker on the compiled `.js` next to this file, or on the `.ts` source when running through tsx:
 * then a small bootstrap registers tsx's loader inside the worker first (Node 20 does not carry the
 * parent's loader hooks into workers).
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./parquet-worker.js', import.meta.url));
  const source = new URL('./parquet-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { eval: true });
}
