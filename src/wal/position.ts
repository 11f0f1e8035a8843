/**
 * WAL positions: the dense sequence number of a frame (the first frame is 1; 0 means "before any frame").
 *
 * A branded `number` rather than a `bigint`: 2^53 frames is centuries of appends at a million a second, the
 * value goes straight into Delta's JSON `txn.version` without a custom serializer, and the append path stays
 * free of BigInt arithmetic. Frames still store 64 bits on disk, so the format never has to change.
 */
import { TributaryError } from '../errors.js';

declare const walPositionBrand: unique symbol;

/** A frame's sequence number in its table's WAL; only {@link walPosition} makes one from a plain number. */
export type WalPosition = number & { readonly [walPositionBrand]: true };

/** The position before the first frame: `replay(WAL_ORIGIN)` yields everything retained. */
export const WAL_ORIGIN = 0 as WalPosition;

/** Checks that `value` is a position (a non-negative safe integer) and brands it. */
export function walPosition(value: number | bigint): WalPosition {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (!Number.isSafeInteger(n) || n < 0 || (typeof value === 'bigint' && BigInt(n) !== value)) {
    throw new TributaryError('invalid_argument', `not a WAL position: ${String(value)}`);
  }
  return n as WalPosition;
}

/** The position following `position`. */
export function nextPosition(position: WalPosition): WalPosition {
  return (position + 1) as WalPosition;
}
