import { describe, expect, it } from 'vitest';
import { csvRecord } from '../../api/csv.js';

describe('R29: the usage CSV', () => {
  it('quotes fields as RFC 4180 says', () => {
    expect(csvRecord(['Acme, Inc.', 'say "hi"', 'two\nlines', 3, null])).toBe('"Acme, Inc.","say ""hi""","two\nlines",3,\r\n');
  });

  it('keeps a company name that looks like a formula as text, so a spreadsheet does not run it', () => {
    expect(csvRecord(['=HYPERLINK("http://evil.example")', '+1', '@SUM(A1)', '-2'])).toBe(`"'=HYPERLINK(""http://evil.example"")",'+1,'@SUM(A1),'-2\r\n`);
    expect(csvRecord([-2, 0])).toBe('-2,0\r\n');
  });
});
