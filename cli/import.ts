// `tenure licenses import <file.csv>`: one license per row, issued through `POST /v1/licenses`
// a few at a time, companies made by name on first use. Each request carries an Idempotency-Key
// made from what it asks for, never from the file around it: a row keeps its key when other
// lines are fixed, added or removed, so a rerun issues only the rows that are new or changed,
// and the rows an earlier run issued come back replayed and are counted apart, not as issued again.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SingleBar, Presets } from 'cli-progress';
import { everyPage, type Request } from './api.js';
import { parseCsv } from './csv.js';

export interface ImportOptions {
  concurrency: number;
  progress: boolean;
  /**
   * Part of every key: the API replays a key's answer for 24 hours, so a row identical to one an
   * import without this name issued that long ago is already issued; a new batch issues it again.
   */
  batch?: string;
}

export interface ImportResult {
  issued: number;
  /** Rows an earlier run issued (the same license, within the API's 24 h): the API replayed that issue and made nothing new. */
  alreadyIssued: number;
  failed: { line: number; reason: string }[];
  companiesCreated: number;
}

/** CSV columns to license fields; `company` is a company name, `companyId` an id. */
const fields = ['companyId', 'product', 'seats', 'term', 'owner', 'expiresAt', 'duration', 'tag', 'poolId', 'policyId', 'accountType'] as const;
/** What the import sends for a field the row leaves empty. */
const defaults: Partial<Record<(typeof fields)[number], string>> = { owner: 'partner' };

interface LicenseRow {
  line: number;
  /** The license as sent, in `fields` order whatever the columns' order, `seats` a number. */
  license: Record<string, string | number>;
  /** The company by name, when the row gives no companyId. */
  companyName: string | undefined;
  /** Which of the file's rows asking for this same license it is: 1, then 2 for the next identical row, … */
  occurrence: number;
}

/** The file's rows as the import sends them, each numbered among the rows identical to it. */
function licenseRows(text: string): LicenseRow[] {
  const occurrences = new Map<string, number>();
  return parseCsv(text).map(({ cells: row, line }) => {
    const license: Record<string, string | number> = {};
    for (const field of fields) {
      const value = row[field] || defaults[field];
      if (value) license[field] = field === 'seats' ? Number(value) : value;
    }
    const companyName = license.companyId ? undefined : row.company || undefined;
    const content = JSON.stringify([license, companyName]);
    const occurrence = (occurrences.get(content) ?? 0) + 1;
    occurrences.set(content, occurrence);
    return { line, license, companyName, occurrence };
  });
}

export async function importLicenses(request: Request, file: string, options: ImportOptions): Promise<ImportResult> {
  const rows = licenseRows(await readFile(file, 'utf8'));
  // The API keeps keys per partner, so a key needs to name neither the partner nor the deployment.
  const idempotencyKey = (kind: 'company' | 'license', identity: unknown[]) =>
    `tenure-import:${kind}:${createHash('sha256').update(JSON.stringify([options.batch ?? null, ...identity])).digest('base64url')}`;
  const companies = new Map<string, Promise<string>>();
  for await (const company of everyPage<{ id: string; name: string }>(request, '/v1/companies')) companies.set(company.name, Promise.resolve(company.id));
  const result: ImportResult = { issued: 0, alreadyIssued: 0, failed: [], companiesCreated: 0 };
  const companyId = (name: string) => {
    if (!companies.has(name)) {
      // Keyed by its name, not by the file: a rerun of an edited file while the first run's creation still runs gets that company, not a second one.
      const made = request.exchange<{ id: string }>('POST', '/v1/companies', { body: { name }, idempotencyKey: idempotencyKey('company', [name]) });
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
      const { line, license, companyName, occurrence } = rows[next++]!;
      try {
        const body = { ...license };
        if (!body.companyId) {
          if (!companyName) throw new Error('needs a company (name) or companyId column');
          body.companyId = await companyId(companyName);
        }
        // The company a name stands for is part of the key: asked for a company made anew under the
        // same name, the license is a new one, not the old key with another body (which the API refuses).
        const key = idempotencyKey('license', [license, companyName, occurrence, body.companyId]);
        const { replayed } = await request.exchange('POST', '/v1/licenses', { body, idempotencyKey: key });
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
