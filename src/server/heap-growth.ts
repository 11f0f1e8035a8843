/**
 * How far V8 lets the JavaScript heap grow between full garbage collections, set for a server process.
 *
 * The server's own heap is small (about 20 MiB survives a collection) while it moves hundreds of megabytes
 * a second through buffers outside it. V8 sets the next collection's limit from what survived, about twice
 * that by default, and starts marking as soon as the room left under the limit is less than the young
 * generation: with a heap this small that was after nearly every scavenge, 15–20 full collections a
 * second and a quarter of the server's CPU in GC threads. Three times what survived leaves the room, and
 * costs about 20 MiB of heap. Measured on the bench (same machine, back to back): 215 B Protobuf 497k →
 * 554–577k rows/s, wide Protobuf 112k → 129–139k, 16 KB Protobuf 150 → 184–200 MB/s; peak RSS within
 * the run-to-run spread (720–880 MiB).
 */
import v8 from 'node:v8';

const FLAG = '--heap-growing-percent';
const HEAP_GROWING_PERCENT = 200;

/**
 * Applies the server's heap growth to this process (worker threads included), unless Node was started
 * with a `--heap-growing-percent` of its own.
 */
export function setServerHeapGrowth(): void {
  if (process.execArgv.some((arg) => arg.startsWith(FLAG))) return;
  v8.setFlagsFromString(`${FLAG}=${HEAP_GROWING_PERCENT}`);
}
