import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { auditLog, outbox } from '../../db/schema.js';
import { licenseWorkflowId } from '../../machines/license/contract.js';
import { keepHistory } from '../support/histories.js';
import { startWorkerProcess } from '../support/spawn-worker.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { pastDeadline } from '../support/deadlines.js';
import { createCompany, createPolicy, inSeconds } from '../support/setup.js';

let tenure: Tenure;
let companyId: string;
beforeAll(async () => {
  tenure = await startTenure({ worker: false });
  companyId = await createCompany(tenure);
});
afterAll(() => tenure?.close());

const DAY = 86_400_000;

describe('durability', () => {
  it('R19: a worker killed mid-cycle and restarted misses and repeats no transition', { timeout: 180_000 }, async () => {
    const crashing = await startWorkerProcess(tenure);
    const policyId = await createPolicy(tenure, { grace: 'PT4S', suspension: 'PT4S', expiryNotices: ['PT2S'], deletionNotice: 'PT2S' });
    const { body: license } = await tenure.api('POST', '/v1/licenses', { companyId, product: 'endpoint-protection', seats: 5, term: 'annual', expiresAt: inSeconds(4), policyId });
    expect(license.state).toBe('active');

    // Killed without a chance to clean up, while timers for the expiring notice, expiry and grace are pending,
    // and kept dead until grace would have ended (4 s after expiry): every one of them is missed meanwhile.
    crashing.kill('SIGKILL');
    await pastDeadline(Date.parse(license.expiresAt) + 4_000);
    expect((await tenure.api('GET', `/v1/licenses/${license.id}`)).body.state).toBe('active');

    await tenure.startWorker();
    // The task the dead worker was sent waits out its sticky queue's minute (runtime/worker.ts), then comes here.
    await eventually(async () => (await tenure.api('GET', `/v1/licenses/${license.id}`)).body.state, (state) => state === 'deleted', { timeoutMs: 100_000 });
    const actions = (await tenure.db.select().from(auditLog).where(eq(auditLog.subjectId, license.id)).orderBy(auditLog.id)).map((row) => row.action);
    expect(actions.filter((action) => action.startsWith('license.'))).toEqual([
      'license.issued', 'license.expiring', 'license.grace_started', 'license.grace_halfway', 'license.suspended', 'license.deletion_warning', 'license.deleted',
    ]);
    const notices = (await tenure.db.select().from(outbox).where(eq(outbox.subjectId, license.id))).map((row) => row.kind);
    expect(notices.sort()).toEqual(['deleted', 'deletion_warning', 'expiring', 'grace_halfway', 'grace_started', 'suspended']);
    await keepHistory('license-worker-crash', tenure.client, `license:${license.id}`);
  });

  it('two concurrent renewals of one license both apply, in order, with no lost update', async () => {
    const expiresAt = Date.now() + 10 * DAY;
    const { body: license } = await tenure.api('POST', '/v1/licenses', { companyId, product: 'endpoint-protection', seats: 5, term: 'annual', expiresAt: new Date(expiresAt).toISOString() });
    const [first, second] = await Promise.all([
      tenure.api('POST', `/v1/licenses/${license.id}/renew`, { duration: 'P1D', basis: 'from_expiry' }),
      tenure.api('POST', `/v1/licenses/${license.id}/renew`, { duration: 'P1D', basis: 'from_expiry' }),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    const final = (await tenure.api('GET', `/v1/licenses/${license.id}`)).body;
    expect(Date.parse(final.expiresAt)).toBe(Date.parse(license.expiresAt) + 2 * DAY);
    expect(final.cycle).toBe(3);
    await keepHistory('license-concurrent-renewals', tenure.client, `license:${license.id}`);
    // In the order the workflow applied them: a select without ORDER BY answers in whatever order the table stores rows.
    const renewals = (await tenure.db.select().from(auditLog).where(eq(auditLog.subjectId, license.id)).orderBy(asc(auditLog.at), asc(auditLog.id))).filter((row) => row.action === 'license.renewed');
    expect(renewals.map((row) => (row.after as { expiresAt: string }).expiresAt)).toEqual([
      new Date(Date.parse(license.expiresAt) + DAY).toISOString(),
      new Date(Date.parse(license.expiresAt) + 2 * DAY).toISOString(),
    ]);
  });

  it('a license renewed 100 times keeps a short history: each cycle continues as new', async () => {
    const { body: license } = await tenure.api('POST', '/v1/licenses', { companyId, product: 'endpoint-protection', seats: 5, term: 'annual', expiresAt: new Date(Date.now() + DAY).toISOString() });
    // Ten callers at a time, as a billing system would: renewals in flight across continueAsNew must not be lost.
    for (let batch = 0; batch < 10; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => tenure.api('POST', `/v1/licenses/${license.id}/renew`, { duration: 'P1D', basis: 'from_expiry' })),
      );
      for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    }
    const final = (await tenure.api('GET', `/v1/licenses/${license.id}`)).body;
    expect(Date.parse(final.expiresAt)).toBe(Date.parse(license.expiresAt) + 100 * DAY);
    expect(final.cycle).toBe(101);

    const handle = tenure.client.workflow.getHandle(licenseWorkflowId(license.id));
    const history = await handle.fetchHistory();
    expect(history.events!.length).toBeLessThan(60);
    const description = await handle.describe();
    expect(description.status.name).toBe('RUNNING');
  }, 400_000);
});
