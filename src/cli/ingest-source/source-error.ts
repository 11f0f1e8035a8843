/**
 * The one error the ingest readers and converters throw: something wrong with the input at a given line,
 * which is what a producer needs to find and fix it.
 */

/** A problem in the input file, located by its 1-based line number. */
export class SourceError extends Error {
  override readonly name = 'SourceError';

  constructor(
    /** 1-based line number in the input. */
    readonly line: number,
    /** What is wrong, without the location. */
    readonly detail: string,
  ) {
    super(`line ${line}: ${detail}`);
  }
}

/**
 * The longest line (JSON Lines) or row (CSV) accepted: a record larger than a Zerobus message could never
 * be sent, and refusing it keeps memory bounded on input without line breaks.
 */
export const MAX_RECORD_CHARS = 10 * 1024 * 1024;
