// RFC 4180 CSV as spreadsheets export it (a header row, quoted fields with doubled quotes,
// commas and line breaks inside quotes, CRLF, LF or both), read by csv-parse.
import { parse } from 'csv-parse/sync';

export interface CsvRow {
  /** The cells by their header's name, trimmed; a short row lacks the last ones. */
  cells: Record<string, string | undefined>;
  /** The line of the file the row starts on, as an editor numbers it: what a report of the row names. */
  line: number;
}

export function parseCsv(text: string): CsvRow[] {
  const records = parse(text, {
    bom: true,
    columns: (header: string[]) => header.map((name) => name.trim()),
    trim: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
    relax_column_count: true,
    relax_quotes: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    info: true,
    raw: true,
  }) as { record: Record<string, string | undefined>; info: { lines: number }; raw: string }[];
  return records.map(({ record, info, raw }) => ({
    cells: record,
    // `lines` counts to the row's last line; a quoted cell may span several, and blank lines before it are not the row.
    line: info.lines - (raw.replace(/^\s+/, '').replace(/[\r\n]+$/, '').match(/\r\n|\n|\r/g)?.length ?? 0),
  }));
}
