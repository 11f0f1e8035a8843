/**
 * The ingest readers: lines and CSV rows come out the same however the input is cut into chunks, with the
 * line numbers a producer sees in an editor, and malformed input is refused naming its line.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { CsvParser, type CsvRow } from '../../../src/cli/ingest-source/csv-parser.js';
import { LineSplitter, type Line } from '../../../src/cli/ingest-source/line-splitter.js';
import { csvRows, jsonLines } from '../../../src/cli/ingest-source/read-records.js';
import { MAX_RECORD_CHARS, SourceError } from '../../../src/cli/ingest-source/source-error.js';

/** Every way of cutting `text` in two, plus one character at a time. */
function chunkings(text: string): string[][] {
  const cuts: string[][] = [[text], text.split('')];
  for (let i = 1; i < text.length; i++) cuts.push([text.slice(0, i), text.slice(i)]);
  return cuts;
}

function splitLines(chunks: string[]): Line[] {
  const splitter = new LineSplitter();
  return [...chunks.flatMap((c) => splitter.push(c)), ...splitter.end()];
}

function parseCsv(chunks: string[]): CsvRow[] {
  const parser = new CsvParser();
  return [...chunks.flatMap((c) => parser.push(c)), ...parser.end()];
}

function csvError(text: string): SourceError {
  try {
    parseCsv([text]);
  } catch (e) {
    assert.ok(e instanceof SourceError);
    return e;
  }
  assert.fail('expected the CSV to be refused');
}

describe('LineSplitter', () => {
  test('numbers lines, drops \\n and \\r\\n, keeps a last line without terminator, whatever the chunking', () => {
    const text = '\uFEFF{"a":1}\r\n\n{"b":2}\n{"c":"x\\ny"}';
    const expected = [
      { number: 1, text: '{"a":1}' },
      { number: 2, text: '' },
      { number: 3, text: '{"b":2}' },
      { number: 4, text: '{"c":"x\\ny"}' },
    ];
    for (const chunks of chunkings(text)) assert.deepEqual(splitLines(chunks), expected, JSON.stringify(chunks));
  });

  test('input ending with a line break has no empty last line', () => {
    assert.deepEqual(splitLines(['a\nb\n']), [
      { number: 1, text: 'a' },
      { number: 2, text: 'b' },
    ]);
  });

  test('a line longer than the record limit is refused with its number instead of being buffered', () => {
    const splitter = new LineSplitter();
    splitter.push('ok\n');
    const chunk = 'x'.repeat(1024 * 1024);
    assert.throws(
      () => {
        for (let i = 0; i <= MAX_RECORD_CHARS / chunk.length; i++) splitter.push(chunk);
      },
      (e: unknown) => e instanceof SourceError && e.line === 2 && /longer than/.test(e.message),
    );
  });
});

describe('CsvParser', () => {
  test('plain, quoted, escaped and multi-line fields, with the line each row starts on', () => {
    const text = 'a,b,c\r\n1,"x, y","say ""hi"""\n2,"two\nlines",\n\n3,,""\n4,5,6';
    const expected: CsvRow[] = [
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'x, y', 'say "hi"'] },
      { line: 3, fields: ['2', 'two\nlines', null] },
      { line: 6, fields: ['3', null, ''] },
      { line: 7, fields: ['4', '5', '6'] },
    ];
    for (const chunks of chunkings(text)) assert.deepEqual(parseCsv(chunks), expected, JSON.stringify(chunks));
  });

  test('an empty unquoted field is null and "" is the empty string', () => {
    assert.deepEqual(parseCsv([',"",x\n']), [{ line: 1, fields: [null, '', 'x'] }]);
  });

  test('a byte-order mark and old \\r line breaks are handled', () => {
    assert.deepEqual(parseCsv(['\uFEFFa,b\r1,2\r']), [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
    ]);
  });

  test('a quote inside an unquoted field is taken literally', () => {
    assert.deepEqual(parseCsv(['5" disk,x\n']), [{ line: 1, fields: ['5" disk', 'x'] }]);
  });

  test('an unterminated quoted field is refused naming the line its row starts on', () => {
    const e = csvError('a,b\n1,"never closed\nstill going\n');
    assert.equal(e.line, 2);
    assert.match(e.message, /^line 2: quoted field is never closed/);
  });

  test('text after a closing quote is refused naming its line', () => {
    const e = csvError('a,b\n1,2\n"x"y,3\n');
    assert.equal(e.line, 3);
    assert.match(e.message, /unexpected text after a closing quote/);
  });
});

describe('record streams from a Readable', () => {
  test('jsonLines skips blank lines and keeps line numbers', async () => {
    const input = Readable.from(['{"a":1}\n   \n', '{"a"', ':2}\n'], { objectMode: true });
    const lines: Line[] = [];
    for await (const line of jsonLines(input)) lines.push(line);
    assert.deepEqual(lines, [
      { number: 1, text: '{"a":1}' },
      { number: 3, text: '{"a":2}' },
    ]);
  });

  test('csvRows yields the header first, then the data rows', async () => {
    const rows: CsvRow[] = [];
    for await (const row of csvRows(Readable.from(['h1,h2\n1,', '2\n'], { objectMode: true }))) rows.push(row);
    assert.deepEqual(rows, [
      { line: 1, fields: ['h1', 'h2'] },
      { line: 2, fields: ['1', '2'] },
    ]);
  });
});
