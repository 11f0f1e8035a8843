/**
 * Tokens of the SQL subset, produced on demand from a position so that the parser can hand a column type
 * to `parseTypeAt` (the shared type grammar) and continue after it.
 */
import { TributaryError } from '../../errors.js';

export type Token =
  /** A bare word: keyword, identifier or number (`[A-Za-z0-9_]+`). */
  | { readonly kind: 'word'; readonly text: string; readonly start: number; readonly end: number }
  /** A backquoted identifier, unescaped. */
  | { readonly kind: 'quoted'; readonly text: string; readonly start: number; readonly end: number }
  /** A string literal, unescaped. */
  | { readonly kind: 'string'; readonly text: string; readonly start: number; readonly end: number }
  /** Any other single character; the parser decides whether it is allowed. */
  | { readonly kind: 'symbol'; readonly text: string; readonly start: number; readonly end: number }
  | { readonly kind: 'end'; readonly text: ''; readonly start: number; readonly end: number };

/** 1-based line and column of a character index. */
export function lineColumn(source: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < index && i < source.length; i++) {
    if (source[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: index - lineStart + 1 };
}

/** The one shape of every SQL syntax error: where, and what went wrong. */
export function syntaxError(source: string, index: number, message: string): TributaryError {
  const { line, column } = lineColumn(source, index);
  return new TributaryError('invalid_argument', `syntax error at line ${line}, column ${column}: ${message}`);
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '0': '\0' };
const WORD_CHAR = /[A-Za-z0-9_]/;

export class Lexer {
  /** Index of the next unread character. */
  pos = 0;

  constructor(readonly source: string) {}

  /** Skips whitespace, `-- line` and `/* block *\/` comments. */
  skipTrivia(): void {
    const s = this.source;
    for (;;) {
      while (this.pos < s.length && /\s/.test(s[this.pos]!)) this.pos++;
      if (s.startsWith('--', this.pos)) {
        const eol = s.indexOf('\n', this.pos);
        this.pos = eol === -1 ? s.length : eol + 1;
      } else if (s.startsWith('/*', this.pos)) {
        const close = s.indexOf('*/', this.pos + 2);
        if (close === -1) throw syntaxError(s, this.pos, 'unterminated /* comment');
        this.pos = close + 2;
      } else {
        return;
      }
    }
  }

  next(): Token {
    this.skipTrivia();
    const s = this.source;
    const start = this.pos;
    const ch = s[start];
    if (ch === undefined) return { kind: 'end', text: '', start, end: start };
    if (WORD_CHAR.test(ch)) {
      let end = start + 1;
      while (end < s.length && WORD_CHAR.test(s[end]!)) end++;
      this.pos = end;
      return { kind: 'word', text: s.slice(start, end), start, end };
    }
    if (ch === '`') return this.quotedIdentifier(start);
    if (ch === "'" || ch === '"') return this.stringLiteral(start, ch);
    // A whole code point, so that an error shows the character the user typed.
    const symbol = String.fromCodePoint(s.codePointAt(start)!);
    this.pos = start + symbol.length;
    return { kind: 'symbol', text: symbol, start, end: this.pos };
  }

  private quotedIdentifier(start: number): Token {
    const s = this.source;
    let text = '';
    let i = start + 1;
    for (;;) {
      const ch = s[i];
      if (ch === undefined) throw syntaxError(s, start, 'unterminated backquoted identifier');
      if (ch === '`') {
        if (s[i + 1] !== '`') break;
        i++;
      }
      text += ch;
      i++;
    }
    this.pos = i + 1;
    return { kind: 'quoted', text, start, end: this.pos };
  }

  /** Spark's rules: backslash escapes, and a doubled quote stands for itself. */
  private stringLiteral(start: number, quote: string): Token {
    const s = this.source;
    let text = '';
    let i = start + 1;
    for (;;) {
      const ch = s[i];
      if (ch === undefined) throw syntaxError(s, start, 'unterminated string literal');
      if (ch === '\\') {
        const escaped = s[i + 1];
        if (escaped === undefined) throw syntaxError(s, start, 'unterminated string literal');
        text += ESCAPES[escaped] ?? escaped;
        i += 2;
      } else if (ch === quote) {
        if (s[i + 1] !== quote) break;
        text += quote;
        i += 2;
      } else {
        text += ch;
        i++;
      }
    }
    this.pos = i + 1;
    return { kind: 'string', text, start, end: this.pos };
  }
}
