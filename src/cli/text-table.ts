/**
 * Aligned plain-text tables for CLI output.
 */

/** Control characters are shown escaped so that a value can never break the table's layout. */
function cell(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, (ch) => JSON.stringify(ch).slice(1, -1));
}

/**
 * Formats rows under a header, columns padded to their widest value and separated by two spaces, the header
 * underlined with dashes. Ends with a newline.
 */
export function formatTextTable(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const table = [columns.map(cell), ...rows.map((row) => columns.map((_, i) => cell(row[i] ?? '')))];
  const widths = columns.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const line = (row: readonly string[]) =>
    row
      .map((value, i) => value.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const [header, ...body] = table;
  return [line(header!), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n') + '\n';
}
