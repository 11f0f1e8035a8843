/**
 * Records read lazily from text input (a file or stdin decoded as UTF-8): JSON Lines or CSV rows, each with
 * its line number. Pulling from the async iterable is what reads the input, so memory stays bounded by one
 * chunk and one record however large the file is.
 */
import { CsvParser, type CsvRow } from './csv-parser.js';
import { LineSplitter, type Line } from './line-splitter.js';

/** The non-blank lines of JSON Lines input; whether each is valid JSON is checked later, per record. */
export async function* jsonLines(input: AsyncIterable<string>): AsyncGenerator<Line> {
  const splitter = new LineSplitter();
  for await (const chunk of input) {
    for (const line of splitter.push(chunk)) if (line.text.trim() !== '') yield line;
  }
  for (const line of splitter.end()) if (line.text.trim() !== '') yield line;
}

/** The rows of CSV input, the header row first. */
export async function* csvRows(input: AsyncIterable<string>): AsyncGenerator<CsvRow> {
  const parser = new CsvParser();
  for await (const chunk of input) yield* parser.push(chunk);
  yield* parser.end();
}
