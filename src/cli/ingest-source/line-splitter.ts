/**
 * Splits text arriving in chunks into numbered lines, holding at most one incomplete line.
 */
import { MAX_RECORD_CHARS, SourceError } from './source-error.js';

/** One line of input, without its terminator (`\n` or `\r\n`). */
export interface Line {
  /** 1-based. */
  readonly number: number;
  readonly text: string;
}

/** Feed chunks with {@link push}, then call {@link end} for a last line without a terminator. */
export class LineSplitter {
  private partial = '';
  private nextNumber = 1;

  /** The lines completed by `chunk`. */
  push(chunk: string): Line[] {
    const lines: Line[] = [];
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      lines.push(this.complete(this.partial + chunk.slice(start, nl)));
      this.partial = '';
      start = nl + 1;
    }
    this.partial += chunk.slice(start);
    if (this.partial.length > MAX_RECORD_CHARS) {
      throw new SourceError(this.nextNumber, `line longer than ${MAX_RECORD_CHARS} characters`);
    }
    return lines;
  }

  /** The last line, when the input does not end with a line break. */
  end(): Line[] {
    if (this.partial === '') return [];
    const last = this.complete(this.partial);
    this.partial = '';
    return [last];
  }

  private complete(raw: string): Line {
    let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    // A byte-order mark (spreadsheet exports) is not part of the first record.
    if (this.nextNumber === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
    return { number: this.nextNumber++, text };
  }
}
