// RFC 4180 records: fields separated by commas, lines ended by CRLF, and a field that
// holds a comma, a double quote or a line break enclosed in double quotes, its quotes doubled.
export type CsvField = string | number | null;

const NEEDS_QUOTES = /[",\r\n]/;
/** What a spreadsheet would run as a formula when the export is opened (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

function csvField(value: CsvField): string {
  if (value === null) return '';
  // Text that a customer typed (a company name) must stay text; numbers are ours and stay numbers.
  const text = typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRecord(fields: readonly CsvField[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
