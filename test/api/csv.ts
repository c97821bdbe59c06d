// A small incremental RFC 4180 reader for tests: feed it chunks as they arrive, get whole
// records back, so a test can check a large CSV without holding it in memory.
export class CsvReader {
  private field = '';
  private record: string[] = [];
  private quoted = false;
  /** A quote seen inside a quoted field: either the closing quote or the first of a doubled pair. */
  private quotePending = false;
  private carriageReturn = false;

  /** Consumes a chunk and returns the records it completed. */
  push(chunk: string): string[][] {
    const done: string[][] = [];
    for (const char of chunk) {
      if (this.quotePending) {
        this.quotePending = false;
        if (char === '"') {
          this.field += '"';
          continue;
        }
        this.quoted = false;
      }
      if (this.quoted) {
        if (char === '"') this.quotePending = true;
        else this.field += char;
        continue;
      }
      if (this.carriageReturn) {
        this.carriageReturn = false;
        if (char !== '\n') throw new Error('a bare CR outside quotes: records must end with CRLF');
        this.record.push(this.field);
        done.push(this.record);
        this.field = '';
        this.record = [];
        continue;
      }
      if (char === '"' && this.field === '') this.quoted = true;
      else if (char === ',') {
        this.record.push(this.field);
        this.field = '';
      } else if (char === '\r') this.carriageReturn = true;
      else if (char === '\n') throw new Error('a bare LF outside quotes: records must end with CRLF');
      else this.field += char;
    }
    return done;
  }

  /** Checks nothing is left half-read at the end of the body. */
  end(): void {
    if (this.field !== '' || this.record.length > 0 || this.quoted || this.carriageReturn) throw new Error('the CSV ends inside a record');
  }
}
