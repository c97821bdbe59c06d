// `tenure licenses import <file.csv>`: one license per row, issued through `POST /v1/licenses`
// a few at a time, companies made by name on first use. Each row carries an Idempotency-Key
// derived from the file and its line, so running the same import again issues nothing twice; the
// rows an earlier run issued come back replayed and are counted apart, not as issued again.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SingleBar, Presets } from 'cli-progress';
import { everyPage, type Request } from './api.js';
import { parseCsv } from './csv.js';

export interface ImportOptions {
  concurrency: number;
  progress: boolean;
}

export interface ImportResult {
  issued: number;
  /** Rows an earlier run of the same file issued: the API replayed that issue and made nothing new. */
  alreadyIssued: number;
  failed: { line: number; reason: string }[];
  companiesCreated: number;
}

/** CSV columns to license fields; `company` is a company name, `companyId` an id. */
const fields = ['companyId', 'product', 'seats', 'term', 'owner', 'expiresAt', 'duration', 'tag', 'poolId', 'policyId', 'accountType'] as const;

export async function importLicenses(request: Request, file: string, options: ImportOptions): Promise<ImportResult> {
  const text = await readFile(file, 'utf8');
  const fileHash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const rows = parseCsv(text);
  const companies = new Map<string, Promise<string>>();
  for await (const company of everyPage<{ id: string; name: string }>(request, '/v1/companies')) companies.set(company.name, Promise.resolve(company.id));
  const result: ImportResult = { issued: 0, alreadyIssued: 0, failed: [], companiesCreated: 0 };
  const companyId = (name: string) => {
    if (!companies.has(name)) {
      const nameHash = createHash('sha256').update(name).digest('hex').slice(0, 16);
      const made = request.exchange<{ id: string }>('POST', '/v1/companies', { body: { name }, idempotencyKey: `tenure-import:${fileHash}:company:${nameHash}` });
      companies.set(
        name,
        made.then(({ answer: company, replayed }) => {
          if (!replayed) result.companiesCreated += 1;
          return company.id;
        }),
      );
    }
    return companies.get(name)!;
  };

  const bar = options.progress ? new SingleBar({ format: 'Importing |{bar}| {value}/{total} licenses · {failed} failed', hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(rows.length, 0, { failed: 0 });
  let next = 0;
  const worker = async () => {
    while (next < rows.length) {
      const index = next++;
      const row = rows[index]!;
      // Line 1 is the header.
      const line = index + 2;
      try {
        const body: Record<string, unknown> = {};
        for (const field of fields) if (row[field]) body[field] = row[field];
        if (!body.companyId) {
          if (!row.company) throw new Error('needs a company (name) or companyId column');
          body.companyId = await companyId(row.company);
        }
        if (body.seats !== undefined) body.seats = Number(body.seats);
        body.owner ??= 'partner';
        const { replayed } = await request.exchange('POST', '/v1/licenses', { body, idempotencyKey: `tenure-import:${fileHash}:${line}` });
        if (replayed) result.alreadyIssued += 1;
        else result.issued += 1;
      } catch (error) {
        result.failed.push({ line, reason: (error as Error).message });
      }
      bar?.increment(1, { failed: result.failed.length });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  bar?.stop();
  result.failed.sort((a, b) => a.line - b.line);
  return result;
}
