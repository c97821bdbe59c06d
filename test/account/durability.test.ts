import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq, like } from 'drizzle-orm';
import { auditLog, outbox } from '../../db/schema.js';
import { startWorkerProcess } from '../support/spawn-worker.js';
import { startTenure, type Tenure } from '../support/tenure.js';
import { pastDeadline } from '../support/deadlines.js';
import { createCompany, createPolicy, inSeconds, createAccount, createLapsingLicensePolicy, getAccount, issueLicense, untilAccount } from '../support/setup.js';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure({ worker: false });
});
afterAll(() => tenure?.close());

describe('account durability', () => {
  it('R15-R17, R19: a worker killed while an account is in grace misses and repeats no transition or notice', { timeout: 180_000 }, async () => {
    const crashing = await startWorkerProcess(tenure);
    const licensePolicy = await createLapsingLicensePolicy(tenure);
    const accountPolicy = await createPolicy(tenure, { grace: 'PT4S', suspension: 'PT4S', deletionNotice: 'PT2S' });
    const companyId = await createCompany(tenure, { policyId: accountPolicy });
    await issueLicense(tenure, { companyId, expiresAt: inSeconds(1), policyId: licensePolicy });
    const { id } = await createAccount(tenure, { companyId });
    await untilAccount(tenure, id, (account) => account.state === 'grace', 20_000);
    const [graceStarted] = await tenure.db
      .select({ at: auditLog.at })
      .from(auditLog)
      .where(and(eq(auditLog.subjectId, id), eq(auditLog.action, 'account.grace_started')));

    // Killed without a chance to clean up, with the halfway reminder, suspension and deletion still to come,
    // and kept dead until deletion would have fallen (4 s of grace, then 4 s suspended).
    crashing.kill('SIGKILL');
    await pastDeadline(graceStarted!.at.getTime() + 8_000);
    expect((await getAccount(tenure, id)).state).toBe('grace');

    await tenure.startWorker();
    // The task the dead worker was sent waits out its sticky queue's minute (runtime/worker.ts), then comes here.
    await untilAccount(tenure, id, (account) => account.state === 'deleted', 100_000);
    const actions = await tenure.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(and(eq(auditLog.subjectId, id), like(auditLog.action, 'account.%')))
      .orderBy(asc(auditLog.id));
    expect(actions.map((row) => row.action)).toEqual([
      'account.created', 'account.grace_started', 'account.grace_halfway', 'account.suspended', 'account.deletion_warning', 'account.deleted',
    ]);
    const notices = (await tenure.db.select().from(outbox).where(eq(outbox.subjectId, id))).map((row) => row.kind);
    expect(notices.sort()).toEqual(['deleted', 'deletion_warning', 'grace_halfway', 'grace_started', 'suspended']);
  });
});
