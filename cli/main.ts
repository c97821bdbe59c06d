// `tenure`: the command line of a Tenure API. Set up a partner and its keys, import licenses
// from a CSV file, add an upstream source and sync it, and list licenses by state. It speaks
// only HTTP to the API (`--url`/TENURE_URL, `--key`/TENURE_API_KEY), so it works against any
// deployment.
import { Command, Option } from 'commander';
import { ApiError, apiClient, everyPage, type Connection } from './api.js';
import { importLicenses } from './import.js';
import { runSync } from './sync.js';

const program = new Command('tenure')
  .description('License and account lifecycles for MSPs: the Tenure API from the command line')
  .addOption(new Option('--url <url>', 'the Tenure API').env('TENURE_URL').default('http://localhost:3000'))
  .addOption(new Option('--key <key>', 'an API key (Bearer)').env('TENURE_API_KEY'))
  .option('--json', 'print answers as JSON');

const request = () => apiClient(program.opts<Connection>());
const asJson = () => Boolean(program.opts<{ json?: boolean }>().json);
const print = (value: unknown, human: () => string) => console.log(asJson() ? JSON.stringify(value, null, 2) : human());

/** Columns padded to their widest cell. */
function table(rows: Record<string, unknown>[], columns: string[]): string {
  const cells = [columns, ...rows.map((row) => columns.map((column) => String(row[column] ?? '')))];
  const widths = columns.map((_, index) => Math.max(...cells.map((line) => line[index]!.length)));
  return cells.map((line) => line.map((cell, index) => cell.padEnd(widths[index]!)).join('  ').trimEnd()).join('\n');
}

const partner = program.command('partner').description('partners (tenants)');
partner
  .command('create <name>')
  .description('create a managed partner and its first admin key (shown once)')
  .option('--email <email>', 'contact e-mail')
  .action(async (name: string, options: { email?: string }) => {
    const made = await request()('POST', '/v1/partners', { body: { name, ...(options.email ? { contactEmail: options.email } : {}) } });
    print(made, () => `partner ${made.id}\nadmin key ${made.adminKey.secret}  (shown once: keep it)`);
  });

program
  .command('key')
  .description('API keys')
  .command('create <name>')
  .description('create an API key of the partner (shown once)')
  .addOption(new Option('--role <role>', 'what it may do').choices(['admin', 'operator', 'viewer']).default('operator'))
  .action(async (name: string, options: { role: string }) => {
    const made = await request()('POST', '/v1/api-keys', { body: { name, role: options.role } });
    print(made, () => `key ${made.id} (${options.role})\nsecret ${made.secret}  (shown once: keep it)`);
  });

const licenses = program.command('licenses').description('licenses');
licenses
  .command('import <file>')
  .description('issue one license per CSV row: company (a name; made if new) or companyId, product, seats, term, owner, expiresAt or duration, tag?, poolId?')
  .option('--concurrency <n>', 'licenses issued at once', (value) => Number(value), 8)
  .option('--no-progress', 'no progress bar')
  .option('--batch <name>', 'issue again rows identical to ones imported in the last 24 hours (a second order the same day); the same name again resumes this batch')
  .addHelpText(
    'after',
    `
Within 24 hours a row is issued once (per --batch): its key is made of its own
fields (and, if the file repeats the row, of which repeat it is), not its line.
Fix the lines that failed and run the file again: the rows issued before,
wherever they now sit, are reported as already issued.`,
  )
  .action(async (file: string, options: { concurrency: number; progress: boolean; batch?: string }) => {
    const result = await importLicenses(request(), file, { concurrency: options.concurrency, progress: options.progress && !asJson() && process.stderr.isTTY, batch: options.batch });
    // A first run has no earlier run to speak of; a rerun tells apart what it issued and what was already there.
    const alreadyIssued = result.alreadyIssued > 0 ? `, ${result.alreadyIssued} already issued by an earlier run` : '';
    print(result, () =>
      [`${result.issued} licenses issued${alreadyIssued}, ${result.companiesCreated} companies created, ${result.failed.length} rows failed`, ...result.failed.map((failure) => `  line ${failure.line}: ${failure.reason}`)].join('\n'),
    );
    if (result.failed.length > 0) process.exitCode = 1;
  });
licenses
  .command('list')
  .description('list licenses, by state, source or company')
  .addOption(new Option('--state <state>').choices(['trial', 'active', 'grace', 'suspended', 'deleted']))
  .option('--source <sourceId>', 'only those synced from this source')
  .option('--company <companyId>')
  .action(async (options: { state?: string; source?: string; company?: string }) => {
    const query = new URLSearchParams({ ...(options.state ? { state: options.state } : {}), ...(options.source ? { sourceId: options.source } : {}), ...(options.company ? { companyId: options.company } : {}) });
    const rows: Record<string, unknown>[] = [];
    for await (const license of everyPage<Record<string, unknown>>(request(), `/v1/licenses?${query}`)) rows.push(license);
    print(rows, () => `${table(rows, ['id', 'state', 'product', 'seats', 'term', 'expiresAt', 'tag'])}\n${rows.length} licenses`);
  });

const sources = program.command('sources').description('upstream vendor accounts');
sources
  .command('create')
  .description('add a source; it is verified against the vendor before it is saved')
  .requiredOption('--name <name>')
  .addOption(new Option('--vendor <vendor>').choices(['eset_ema2', 'sophos_partner', 'json_feed']).makeOptionMandatory())
  .addOption(new Option('--account-type <type>').choices(['msp', 'managed_msp', 'msp_manager', 'business', 'lmp', 'clp']).default('msp'))
  .option('--base-url <url>', "the vendor API's URL (required for json_feed)")
  .option('--credentials <json>', 'eset_ema2: {"username","password"}; sophos_partner: {"clientId","clientSecret"}; json_feed: {"bearerToken"?}', '{}')
  .option('--hybrid', 'the same credentials also hold a business account (R24)')
  .action(async (options: { name: string; vendor: string; accountType: string; baseUrl?: string; credentials: string; hybrid?: boolean }) => {
    const made = await request()('POST', '/v1/sources', {
      body: { name: options.name, vendor: options.vendor, accountType: options.accountType, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}), hybrid: Boolean(options.hybrid), credentials: JSON.parse(options.credentials) },
    });
    print(made, () => `source ${made.id} (${made.vendor}, ${made.accountType}): ${made.status}; next scheduled sync ${made.nextSyncAt ?? 'none'}`);
  });
sources
  .command('list')
  .description('list sources with their status and last sync')
  .action(async () => {
    const { data } = await request()<{ data: Record<string, any>[] }>('GET', '/v1/sources');
    const rows = data.map((source) => ({ ...source, lastSync: source.lastSync ? `${source.lastSync.status} ${source.lastSync.completedAt ?? ''}` : 'never' }));
    print(data, () => table(rows, ['id', 'name', 'vendor', 'status', 'statusReason', 'lastSync', 'nextSyncAt']));
  });

program
  .command('sync <sourceId>')
  .description('sync a source now and follow it to its end (joins the sync already running, if any)')
  .option('--no-follow', 'answer the operation id at once')
  .option('--no-progress', 'no progress bar')
  .action(async (sourceId: string, options: { follow: boolean; progress: boolean }) => {
    const outcome = await runSync(request(), sourceId, { follow: options.follow, progress: options.progress && !asJson() && process.stderr.isTTY });
    if (!('status' in outcome)) return print(outcome, () => `operation ${outcome.operationId}`);
    const counts = outcome.result ?? {};
    print(outcome, () =>
      outcome.status === 'succeeded'
        ? `sync ${outcome.id} succeeded in ${((Number(counts.durationMs) || 0) / 1000).toFixed(1)} s\n` +
          table([counts], ['companiesCreated', 'licensesCreated', 'licensesUpdated', 'licensesRemoved', 'licensesUnchanged', 'companiesUnread', 'rowsWritten'])
        : `sync ${outcome.id} failed: ${outcome.error}`,
    );
    if (outcome.status !== 'succeeded') process.exitCode = 1;
  });

try {
  await program.parseAsync();
} catch (error) {
  console.error(`tenure: ${error instanceof ApiError || error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
