// The `tenure` command as a user runs it, in a child process against a test Tenure: a partner
// and its key, a CSV import and its reruns, a source and its sync followed to the end, licenses by state.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { idempotencyKeys } from '../../db/schema.js';
import { startFakeJsonFeed, type FakeJsonFeed } from '../fakes/json-feed.js';
import { apiWithTemporalAt } from '../support/outage-api.js';
import { freePort } from '../support/ports.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';

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

const cliArguments = (args: string[], key?: string, url = tenure.url) =>
  [process.execPath, [cli, ...args], { env: { ...process.env, TENURE_URL: url, TENURE_API_KEY: key ?? tenure.adminKey } }] as const;
const tenureCli = async (...command: Parameters<typeof cliArguments>) => {
  const [node, args, options] = cliArguments(...command);
  const { stdout } = await run(node, args, { ...options, timeout: 120_000 });
  return stdout;
};

interface Proxying {
  /** Cuts a request's connection before it is forwarded. */
  drops?: (incoming: IncomingMessage) => boolean;
  /** Sees the status of every answer on its way back. */
  answered?: (status: number) => void;
  /** The API a request goes to, the test Tenure's unless it says otherwise. */
  to?: () => string;
}

/** The test Tenure behind a proxy, to watch or cut what goes between the CLI and the API. */
async function behindProxy({ drops = () => false, answered = () => {}, to = () => tenure.url }: Proxying) {
  const proxy = createServer((incoming, outgoing) => {
    if (drops(incoming)) return incoming.socket.destroy();
    const forwarded = request(`${to()}${incoming.url}`, { method: incoming.method, headers: incoming.headers }, (answer) => {
      answered(answer.statusCode!);
      outgoing.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(outgoing);
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => proxy.close(() => resolve())),
  };
}

/** A connection that drops at the license issue after the first `issues`: an import interrupted midway. */
function droppingAfter(issues: number) {
  let licensePosts = 0;
  return behindProxy({ drops: (incoming) => incoming.method === 'POST' && incoming.url === '/v1/licenses' && ++licensePosts > issues });
}

/** Idempotency-Keys of the partner whose first request is still running on the server. */
async function keysInProgress(partnerId: string): Promise<number> {
  const running = await tenure.db
    .select({ key: idempotencyKeys.key })
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.partnerId, partnerId), isNull(idempotencyKeys.completedAt)));
  return running.length;
}

it('creates a partner and a key, imports licenses from CSV, adds a source, syncs it and lists licenses by state', async () => {
  const partner = JSON.parse(await tenureCli(['--json', 'partner', 'create', 'CLI MSP']));
  const adminKey: string = partner.adminKey.secret;
  const operator = JSON.parse(await tenureCli(['--json', 'key', 'create', 'importer', '--role', 'operator'], adminKey));
  expect(operator.secret).toBeTruthy();

  const csv = join(scratch, 'licenses.csv');
  // As a spreadsheet exports it: a column the import does not read, whose cell spans two lines, and a blank line.
  await writeFile(csv, ['company,product,seats,term,expiresAt,notes', 'Acme SA,eps,25,annual,2030-06-30T00:00:00Z,', '"Beta, Inc.",eps,5,monthly,2030-01-31T00:00:00Z,"renewed by phone', 'ask Jan"', 'Acme SA,ecos,10,annual,2030-06-30T00:00:00Z', '', 'Acme SA,eps,many,annual,2030-06-30T00:00:00Z'].join('\n'));
  const failed = await tenureCli(['licenses', 'import', csv, '--no-progress'], operator.secret).catch((error: { stdout: string; code: number }) => error);
  expect(failed).toMatchObject({ code: 1, stdout: expect.stringContaining('3 licenses issued, 2 companies created, 1 rows failed') });
  // The failure names the line an editor shows the row on.
  expect((failed as { stdout: string }).stdout).toMatch(/line 7: 422 .*\(seats\)/);
  // The same file again issues nothing twice: each row's Idempotency-Key answers the first issue,
  // and the user is told so. The bad row is still bad.
  const again = await tenureCli(['licenses', 'import', csv, '--no-progress'], operator.secret).catch((error: { stdout: string; code: number }) => error);
  expect(again).toMatchObject({ code: 1, stdout: expect.stringContaining('0 licenses issued, 3 already issued by an earlier run, 0 companies created, 1 rows failed') });
  expect((again as { stdout: string }).stdout).toMatch(/line 7: 422 .*\(seats\)/);

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

it('an import resumed after an interruption issues only the rows the first run did not, and says which were already issued', async () => {
  const partner = JSON.parse(await tenureCli(['--json', 'partner', 'create', 'Rerun MSP']));
  const adminKey: string = partner.adminKey.secret;
  const csv = join(scratch, 'resumed.csv');
  await writeFile(csv, ['company,product,seats,term,expiresAt', ...['eps', 'ecos', 'edr', 'mdr'].map((product) => `Gamma GmbH,${product},10,annual,2030-06-30T00:00:00Z`)].join('\n'));

  // One row at a time, so the connection drops after lines 2 and 3 are issued.
  const dropping = await droppingAfter(2);
  const interrupted = await tenureCli(['licenses', 'import', csv, '--no-progress', '--concurrency', '1'], adminKey, dropping.url).catch((error: { stdout: string; code: number }) => error);
  await dropping.close();
  expect(interrupted).toMatchObject({ code: 1, stdout: expect.stringContaining('2 licenses issued, 1 companies created, 2 rows failed') });
  expect((interrupted as { stdout: string }).stdout).toMatch(/line 4: cannot reach Tenure.*\n.*line 5: cannot reach Tenure/);

  // execFile rejects on a non-zero exit: these runs exit 0, as no row failed.
  expect(await tenureCli(['licenses', 'import', csv, '--no-progress'], adminKey)).toBe('2 licenses issued, 2 already issued by an earlier run, 0 companies created, 0 rows failed\n');
  expect(await tenureCli(['licenses', 'import', csv, '--no-progress'], adminKey)).toBe('0 licenses issued, 4 already issued by an earlier run, 0 companies created, 0 rows failed\n');
  expect(JSON.parse(await tenureCli(['--json', 'licenses', 'list'], adminKey))).toHaveLength(4);
});

it('a file run again after its failed lines are fixed issues those lines only, wherever the other rows now sit', async () => {
  const partner = JSON.parse(await tenureCli(['--json', 'partner', 'create', 'Fixing MSP']));
  const adminKey: string = partner.adminKey.secret;
  const csv = join(scratch, 'fixed.csv');
  const header = 'company,product,seats,term,expiresAt';
  // Lines 2 and 3 are the same license twice, as a customer that ordered two of them.
  const rows = ['Delta AG,eps,10,annual,2030-06-30T00:00:00Z', 'Delta AG,eps,10,annual,2030-06-30T00:00:00Z', 'Delta AG,ecos,lots,annual,2030-06-30T00:00:00Z', 'Delta AG,edr,5,annual,2030-06-30T00:00:00Z'];
  await writeFile(csv, [header, ...rows].join('\n'));
  const first = await tenureCli(['licenses', 'import', csv, '--no-progress'], adminKey).catch((error: { stdout: string; code: number }) => error);
  expect(first).toMatchObject({ code: 1, stdout: expect.stringContaining('3 licenses issued, 1 companies created, 1 rows failed') });
  expect((first as { stdout: string }).stdout).toMatch(/line 4: 422 .*\(seats\)/);

  // The user fixes line 4 and runs the file again: that row is issued, and only that row.
  rows[2] = 'Delta AG,ecos,8,annual,2030-06-30T00:00:00Z';
  await writeFile(csv, [header, ...rows].join('\n'));
  expect(await tenureCli(['licenses', 'import', csv, '--no-progress'], adminKey)).toBe('1 licenses issued, 3 already issued by an earlier run, 0 companies created, 0 rows failed\n');

  // A row added at the top moves every other row down a line: it alone is issued.
  rows.unshift('Delta AG,mdr,3,monthly,2030-01-31T00:00:00Z');
  await writeFile(csv, [header, ...rows].join('\n'));
  expect(await tenureCli(['licenses', 'import', csv, '--no-progress'], adminKey)).toBe('1 licenses issued, 4 already issued by an earlier run, 0 companies created, 0 rows failed\n');

  // A row is known by what it asks for: the same rows saved by another spreadsheet (columns in
  // another order, spaces around cells, CRLF, seats written 05) are the licenses already issued.
  const resaved = rows.map((row) => {
    const [company, product, seats, term, expiresAt] = row.split(',');
    return `${product} , ${company},${expiresAt},${term},${String(seats).padStart(2, '0')}`;
  });
  await writeFile(csv, ['product,company,expiresAt,term,seats', ...resaved].join('\r\n'));
  expect(await tenureCli(['licenses', 'import', csv, '--no-progress'], adminKey)).toBe('0 licenses issued, 5 already issued by an earlier run, 0 companies created, 0 rows failed\n');

  // Another batch is another order: the same rows are issued again.
  expect(await tenureCli(['licenses', 'import', csv, '--no-progress', '--batch', 'second order'], adminKey)).toBe('5 licenses issued, 0 companies created, 0 rows failed\n');
  expect(JSON.parse(await tenureCli(['--json', 'licenses', 'list'], adminKey))).toHaveLength(10);
});

it('a rerun right after Ctrl-C waits for the issues the interrupted run left running, and reports them issued once', async () => {
  const partner = JSON.parse(await tenureCli(['--json', 'partner', 'create', 'Impatient MSP']));
  const adminKey: string = partner.adminKey.secret;
  const csv = join(scratch, 'interrupted.csv');
  await writeFile(csv, ['company,product,seats,term,expiresAt', 'Epsilon SARL,eps,10,annual,2030-06-30T00:00:00Z', 'Epsilon SARL,ecos,10,annual,2030-06-30T00:00:00Z'].join('\n'));

  // Without a worker an issue waits on the server for its license's first state: the first run's
  // issues are certainly still running when the rerun sends them again.
  await tenure.stopWorker();
  let rerun: Promise<string>;
  try {
    const [node, args, options] = cliArguments(['licenses', 'import', csv, '--no-progress'], adminKey);
    const first = spawn(node, args, { ...options, stdio: 'ignore' });
    await eventually(() => keysInProgress(partner.id), (running) => running === 2);
    first.kill('SIGINT');
    await once(first, 'exit');

    let metInProgress!: () => void;
    const inProgress = new Promise<void>((resolve) => (metInProgress = resolve));
    const watching = await behindProxy({ answered: (status) => status === 409 && metInProgress() });
    // A failed run's output says which rows failed and why.
    rerun = tenureCli(['licenses', 'import', csv, '--no-progress'], adminKey, watching.url)
      .catch((error: { stdout: string }) => error.stdout)
      .finally(watching.close);
    const metFirst = await Promise.race([inProgress.then(() => 'an issue still running'), rerun.then(() => 'its end')]);
    expect(metFirst).toBe('an issue still running');
  } finally {
    await tenure.startWorker();
  }
  // The interrupted run's issues end once the worker is back, and the rerun reads their answers.
  expect(await rerun).toBe('0 licenses issued, 2 already issued by an earlier run, 0 companies created, 0 rows failed\n');
  expect(JSON.parse(await tenureCli(['--json', 'licenses', 'list'], adminKey))).toHaveLength(2);
});

it('an import during an outage of Temporal waits as the API asks (503, Retry-After) and issues every row once', async () => {
  const partner = JSON.parse(await tenureCli(['--json', 'partner', 'create', 'Patient MSP']));
  const adminKey: string = partner.adminKey.secret;
  const csv = join(scratch, 'outage.csv');
  await writeFile(csv, ['company,product,seats,term,expiresAt', 'Zeta Oy,eps,10,annual,2030-06-30T00:00:00Z', 'Zeta Oy,ecos,10,annual,2030-06-30T00:00:00Z'].join('\n'));

  // Tenure's API with nothing listening where its Temporal should be, until it has answered one 503.
  const outage = await apiWithTemporalAt(tenure, `127.0.0.1:${await freePort()}`, 2_000);
  let down = true;
  let outageAnswers = 0;
  const proxy = await behindProxy({
    to: () => (down ? outage.url : tenure.url),
    answered: (status) => {
      if (status !== 503) return;
      outageAnswers++;
      down = false;
    },
  });
  const imported = await tenureCli(['licenses', 'import', csv, '--no-progress', '--concurrency', '1'], adminKey, proxy.url).finally(() => Promise.all([proxy.close(), outage.close()]));

  expect(outageAnswers).toBe(1);
  expect(imported).toBe('2 licenses issued, 1 companies created, 0 rows failed\n');
  expect(JSON.parse(await tenureCli(['--json', 'licenses', 'list'], adminKey))).toHaveLength(2);
});

it('an error page that is not JSON, as a proxy in front of Tenure serves one, is reported by its status, not as a JSON parse error', async () => {
  const gateway = createServer((_incoming, outgoing) => {
    outgoing.writeHead(502, { 'content-type': 'text/html' });
    outgoing.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  const failed = await tenureCli(['licenses', 'list'], undefined, url)
    .then(() => undefined)
    .catch((error: { code: number; stderr: string }) => error)
    .finally(() => new Promise<void>((resolve) => gateway.close(() => resolve())));
  expect(failed).toMatchObject({ code: 1, stderr: 'tenure: 502 Bad Gateway\n' });
});
