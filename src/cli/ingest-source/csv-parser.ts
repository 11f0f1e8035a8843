/**
 * CSV (RFC 4180) parsed from text arriving in chunks: comma-separated fields, double-quoted fields that may
 * hold commas, line breaks and doubled quotes, rows ended by `\n`, `\r\n` or `\r`. Only the current row is
 * held in memory.
 *
 * An empty unquoted field is `null` (SQL NULL); `""` is the empty string. Blank lines are skipped.
 */
import { MAX_RECORD_CHARS, SourceError } from './source-error.js';

/** One CSV row. */
export interface CsvRow {
  /** 1-based line where the row starts (rows with quoted line breaks span several lines). */
  readonly line: number;
  readonly fields: readonly (string | null)[];
}

const SPECIAL = /[,\r\n"]/g;

/** Feed chunks with {@link push}, then call {@link end}. */
export class CsvParser {
  private fields: (string | null)[] = [];
  private field = '';
  private fieldStarted = false;
  private inQuotes = false;
  /** A `"` was the last character seen inside quotes: a doubled quote or the closing one, decided by the next. */
  private quotePending = false;
  /** The closing quote of the current field was seen: only a separator may follow. */
  private closed = false;
  /** The last row ended with `\r`: a `\n` right after it belongs to the same line break. */
  private afterCR = false;
  private line = 1;
  private rowLine = 1;
  private rowChars = 0;
  private started = false;

  /** The rows completed by `chunk`. */
  push(chunk: string): CsvRow[] {
    const rows: CsvRow[] = [];
    let i = 0;
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.startsWith('\uFEFF')) i = 1;
    }
    const n = chunk.length;
    while (i < n) {
      if (this.afterCR) {
        this.afterCR = false;
        if (chunk[i] === '\n') {
          i++;
          continue;
        }
      }
      if (this.quotePending) {
        this.quotePending = false;
        if (chunk[i] === '"') {
          this.field += '"';
          i++;
          continue;
        }
        this.inQuotes = false;
        this.closed = true;
      }
      if (this.inQuotes) {
        const quote = chunk.indexOf('"', i);
        const end = quote === -1 ? n : quote;
        const segment = chunk.slice(i, end);
        this.field += segment;
        this.line += countLineBreaks(segment);
        this.rowChars += segment.length;
        if (quote === -1) break;
        this.quotePending = true;
        i = quote + 1;
        continue;
      }
      const c = chunk[i];
      if (c === ',') {
        this.endField();
        i++;
      } else if (c === '\n' || c === '\r') {
        this.endField();
        this.endRow(rows);
        this.line++;
        this.rowLine = this.line;
        this.afterCR = c === '\r';
        i++;
      } else if (this.closed) {
        throw new SourceError(this.line, 'unexpected text after a closing quote: quote the whole field, and double any quote inside it');
      } else if (c === '"' && !this.fieldStarted) {
        this.inQuotes = true;
        this.fieldStarted = true;
        i++;
      } else {
        // Plain text up to the next special character; a quote inside an unquoted field is taken literally.
        SPECIAL.lastIndex = c === '"' ? i + 1 : i;
        const next = SPECIAL.exec(chunk);
        const end = next === null ? n : next.index;
        this.field += chunk.slice(i, end);
        this.rowChars += end - i;
        this.fieldStarted = true;
        i = end;
      }
    }
    if (this.rowChars > MAX_RECORD_CHARS) throw new SourceError(this.rowLine, `row longer than ${MAX_RECORD_CHARS} characters`);
    return rows;
  }

  /** The last row, when the input does not end with a line break. */
  end(): CsvRow[] {
    if (this.quotePending) {
      this.quotePending = false;
      this.inQuotes = false;
    }
    if (this.inQuotes) throw new SourceError(this.rowLine, 'quoted field is never closed (a " is missing)');
    const rows: CsvRow[] = [];
    if (this.fieldStarted || this.fields.length > 0) {
      this.endField();
      this.endRow(rows);
    }
    return rows;
  }

  private endField(): void {
    this.fields.push(this.fieldStarted ? this.field : null);
    this.field = '';
    this.fieldStarted = false;
    this.closed = false;
  }

  private endRow(rows: CsvRow[]): void {
    const blank = this.fields.length === 1 && this.fields[0] === null;
    if (!blank) rows.push({ line: this.rowLine, fields: this.fields });
    this.fields = [];
    this.rowChars = 0;
  }
}

function countLineBreaks(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  return count;
}
