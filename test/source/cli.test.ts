// The `tenure` command as a user runs it, in a child process against a test Tenure: a partner
// and its key, a CSV import, a source and its sync followed to the end, licenses by state.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeJsonFeed, type FakeJsonFeed } from '../fakes/json-feed.js';
import { startTenure, type Tenure } from '../support/tenure.js';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '../../cli/tenure.mjs');

let tenure: Tenure;
let feed: FakeJsonFeed;
let scratch: string;
beforeAll(async () => {
  [tenure, feed, scratch] = await Promise.all([startTenure(), startFakeJsonFeed({ companies: 3, licensesPerCompany: 2 }), mkdtemp(join(tmpdir(), 'tenure-cli-'))]);
});
afterAll(async () => {
  await Promise.all([tenure?.close(), feed?.close(), rm(scratch, { recursive: true, force: true })]);
});

const tenureCli = async (args: string[], key?: string) => {
  const { stdout } = await run(process.execPath, [cli, ...args], { env: { ...process.env, TENURE_URL: tenure.url, TENURE_API_KEY: key ?? tenure.adminKey }, timeout: 120_000 });
  return stdout;
};

it('creates a partner and a key, imports licenses from CSV, adds a source, syncs it and lists licenses by state', async () => {
  const partner = JSON.parse(await tenureCli(['--json', 'partner', 'create', 'CLI MSP']));
  const adminKey: string = partner.adminKey.secret;
  const operator = JSON.parse(await tenureCli(['--json', 'key', 'create', 'importer', '--role', 'operator'], adminKey));
  expect(operator.secret).toBeTruthy();

  const csv = join(scratch, 'licenses.csv');
  await writeFile(csv, ['company,product,seats,term,expiresAt', 'Acme SA,eps,25,annual,2030-06-30T00:00:00Z', '"Beta, Inc.",eps,5,monthly,2030-01-31T00:00:00Z', 'Acme SA,ecos,10,annual,2030-06-30T00:00:00Z', 'Acme SA,eps,many,annual,2030-06-30T00:00:00Z'].join('\n'));
  const failed = await tenureCli(['licenses', 'import', csv, '--no-progress'], operator.secret).catch((error: { stdout: string; code: number }) => error);
  expect(failed).toMatchObject({ code: 1, stdout: expect.stringContaining('3 licenses issued, 2 companies created, 1 rows failed') });
  expect((failed as { stdout: string }).stdout).toMatch(/line 5: 422 .*\(seats\)/);
  // The same file again issues nothing twice: each row's Idempotency-Key answers the first issue.
  await tenureCli(['licenses', 'import', csv, '--no-progress'], operator.secret).catch(() => undefined);

  const source = JSON.parse(await tenureCli(['--json', 'sources', 'create', '--name', 'Demo feed', '--vendor', 'json_feed', '--base-url', feed.url], adminKey));
  expect(source.status).toBe('never_synced');
  const synced = await tenureCli(['sync', source.id, '--no-progress'], operator.secret);
  expect(synced).toMatch(/succeeded/);
  expect(synced).toMatch(/companiesCreated\s+licensesCreated[\s\S]*\n3\s+6\s+0\s+0\s+0\s+\d+/);

  const active = JSON.parse(await tenureCli(['--json', 'licenses', 'list', '--state', 'active'], operator.secret));
  expect(active).toHaveLength(9);
  const listed = await tenureCli(['licenses', 'list', '--source', source.id], operator.secret);
  expect(listed).toMatch(/6 licenses$/m);
  expect(await tenureCli(['sources', 'list'], adminKey)).toMatch(/Demo feed\s+json_feed\s+ok/);
});
