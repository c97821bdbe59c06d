// PostgreSQL stops answering for 30 s (every server process frozen with SIGSTOP, as a hung
// host or a stalled disk would leave it) while licenses expire: the API and /readyz answer
// 503 within seconds instead of hanging, and once it answers again every transition and
// every notice happens exactly once (issue 14, R19).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { licenseWorkflowId } from '../../machines/license/contract.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../../runtime/embedded/postgres.js';
import { startSmtpServer, type TestSmtpServer } from '../notice/smtp.js';
import { pastDeadline } from '../support/deadlines.js';
import { freePort } from '../support/ports.js';
import { createCompany, createPolicy, inSeconds } from '../support/setup.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { expectEachExpiryOnce } from './exactly-once.js';
import { processTree, signalTree } from './process-tree.js';

const OUTAGE_MS = 30_000;
/** The query deadline of db/client.ts (5 s) and the time to answer after it. */
const API_ANSWERS_WITHIN_MS = 7_000;
/** The per-check deadline of runtime/readiness.ts (2 s) and the time to answer after it. */
const READYZ_ANSWERS_WITHIN_MS = 3_500;
const LICENSES = 4;

let scratch: string;
let server: RunningPostgres;
let smtp: TestSmtpServer;
let tenure: Tenure;
let frozen: number[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tenure-outage-pg-'));
  server = await startEmbeddedPostgres({ dataDir: join(scratch, 'postgres'), port: await freePort(), database: 'tenure', persistent: false, durable: false });
  smtp = await startSmtpServer();
  tenure = await startTenure({ postgresAdminUrl: server.url, smtpUrl: smtp.url });
});

afterAll(async () => {
  // A failed assertion mid-outage must not leave the server frozen for the teardown.
  signalTree(frozen, 'SIGCONT');
  await tenure?.close();
  await smtp?.stop();
  await server?.stop();
  await rm(scratch, { recursive: true, force: true });
});

/** Timed request: how long the answer took, and the answer. */
async function timed(path: string, init: RequestInit = {}) {
  const started = Date.now();
  const response = await fetch(`${tenure.url}${path}`, { ...init, headers: { authorization: `Bearer ${tenure.adminKey}`, 'content-type': 'application/json', ...init.headers }, signal: AbortSignal.timeout(30_000) });
  const body = (await response.json()) as Record<string, any>;
  return { status: response.status, type: response.headers.get('content-type'), retryAfter: response.headers.get('retry-after'), body, ms: Date.now() - started };
}

describe('PostgreSQL stops answering while licenses expire', () => {
  it('R19, issue 14: requests and /readyz answer 503 within seconds meanwhile; afterwards every license reaches grace and every notice is sent once', async () => {
    const policyId = await createPolicy(tenure, { grace: 'PT10M', suspension: 'PT10M', expiryNotices: ['PT4S'], deletionNotice: 'PT1M' });
    const companyId = await createCompany(tenure, { noticeEmails: ['it@outage.test'] });
    const ids: string[] = [];
    for (let index = 0; index < LICENSES; index++) {
      const issued = await tenure.api('POST', '/v1/licenses', { companyId, product: 'endpoint-protection', seats: 5, term: 'annual', expiresAt: inSeconds(10 + index), policyId });
      expect(issued.status, JSON.stringify(issued.body)).toBe(201);
      ids.push(issued.body.id);
    }
    const lastExpiry = Date.parse((await tenure.api('GET', `/v1/licenses/${ids.at(-1)}`)).body.expiresAt);

    // The postmaster first, so it forks no new backend, then every process under it.
    process.kill(server.pid, 'SIGSTOP');
    frozen = processTree(server.pid);
    signalTree(frozen, 'SIGSTOP');
    const thawAt = Date.now() + OUTAGE_MS;

    const requests = await Promise.all([
      timed(`/v1/licenses/${ids[0]}`),
      timed('/v1/licenses'),
      timed('/v1/companies', { method: 'POST', body: JSON.stringify({ name: 'Written During The Outage Ltd' }) }),
    ]);
    for (const answer of requests) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(503);
      expect(answer.type).toMatch(/^application\/problem\+json/);
      expect(answer.body.code).toBe('unavailable');
      // RFC 9110: a client that waits as told sees the outage end.
      expect(answer.retryAfter).toBe('2');
      expect(answer.ms).toBeLessThan(API_ANSWERS_WITHIN_MS);
    }
    const readiness = await timed('/readyz');
    expect(readiness.status).toBe(503);
    expect(readiness.ms).toBeLessThan(READYZ_ANSWERS_WITHIN_MS);
    expect(readiness.body.components.database).toEqual({ ok: false, error: expect.stringMatching(/no answer within 2 s/) });
    expect(readiness.body.components.temporal).toEqual({ ok: true });

    // The expiry falls due while the database is down: the worker is trying to record it (the
    // activity the workflow scheduled, pending in the UI with its attempts), and cannot yet.
    await pastDeadline(lastExpiry);
    expect(Date.now()).toBeLessThan(thawAt);
    const { raw } = await tenure.client.workflow.getHandle(licenseWorkflowId(ids.at(-1)!)).describe();
    expect(raw.pendingActivities?.map((activity) => activity.activityType?.name), JSON.stringify(raw)).toContain('recordLicenseTransition');

    const outageLeft = thawAt - Date.now();
    if (outageLeft > 0) await new Promise((done) => setTimeout(done, outageLeft));
    signalTree(frozen, 'SIGCONT');
    frozen = [];

    await eventually(() => fetch(`${tenure.url}/readyz`).then((response) => response.status), (status) => status === 200, { timeoutMs: 20_000 });
    await expectEachExpiryOnce(tenure, smtp, ids);
  });
});
