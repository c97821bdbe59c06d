import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq, like } from 'drizzle-orm';
import { auditLog, outbox } from '../../db/schema.js';
import { keepHistory } from '../support/histories.js';
import { startTenure, type Tenure } from '../support/tenure.js';
import { pastDeadline } from '../support/deadlines.js';
import { visibleAs } from '../support/visibility.js';
import { createCompany, createPolicy, inSeconds, type SecondsPolicy, createAccount, createLapsingLicensePolicy, getAccount, issueLicense, untilAccount } from '../support/setup.js';

let tenure: Tenure;
/** Licenses that lapse within seconds, so accounts drawing on them go through their lifecycle. */
let licensePolicy: string;
afterAll(() => tenure?.close());
beforeAll(async () => {
  tenure = await startTenure();
  licensePolicy = await createLapsingLicensePolicy(tenure);
});

/** The subject's lifecycle entries (notice deliveries audit under the same subject as `notice.*`). */
const auditOf = (id: string, family: 'account' | 'license' = 'account') =>
  tenure.db
    .select({ action: auditLog.action, at: auditLog.at })
    .from(auditLog)
    .where(and(eq(auditLog.subjectId, id), like(auditLog.action, `${family}.%`)))
    .orderBy(asc(auditLog.id));
const noticesOf = async (id: string) =>
  (await tenure.db.select().from(outbox).where(eq(outbox.subjectId, id))).map((notice) => `${notice.cycle}:${notice.kind}`).sort();
/** When the subject's `action` was recorded, from the audit log. */
const recordedAt = async (id: string, action: string) => {
  const [entry] = await tenure.db.select({ at: auditLog.at }).from(auditLog).where(and(eq(auditLog.subjectId, id), eq(auditLog.action, action)));
  return entry!.at.getTime();
};

/** An account of a new company under `accountTerms` whose only license is then deleted: its grace starts now. */
async function accountWhoseLicenseIsDeleted(accountTerms: SecondsPolicy) {
  const accountPolicy = await createPolicy(tenure, accountTerms);
  const companyId = await createCompany(tenure, { policyId: accountPolicy });
  const onlyLicense = await issueLicense(tenure, { companyId, policyId: licensePolicy });
  const { id } = await createAccount(tenure, { companyId });
  expect((await tenure.api('DELETE', `/v1/licenses/${onlyLicense}`)).status).toBe(200);
  return { companyId, id };
}

describe('account lifecycle on durable timers', () => {
  it('R15, R16, R17, R19: an account whose only license lapses goes grace → suspended → deleted on time, the halfway reminder and the deletion warning each recorded once', async () => {
    const accountPolicy = await createPolicy(tenure, { grace: 'PT4S', suspension: 'PT6S', deletionNotice: 'PT3S' });
    const companyId = await createCompany(tenure, { policyId: accountPolicy });
    const licenseId = await issueLicense(tenure, { companyId, seats: 10, expiresAt: inSeconds(2), policyId: licensePolicy });
    const created = await createAccount(tenure, { companyId, seatsRequested: 5 });
    expect(created).toMatchObject({
      state: 'active', protected: true, seatsAllocated: 5, overage: 0, allocations: [{ licenseId, seats: 5 }], nextDeadline: null,
    });
    const id = created.id;
    await visibleAs(tenure, 'account', id, 'active');

    const seen: { state: string; protected: boolean }[] = [];
    await untilAccount(tenure, id, (account) => {
      const last = seen.at(-1);
      if (last?.state !== account.state) seen.push({ state: account.state, protected: account.protected });
      return account.state === 'deleted';
    }, 30_000);
    expect(seen).toEqual([
      { state: 'active', protected: true },
      { state: 'grace', protected: true },
      { state: 'suspended', protected: false },
      { state: 'deleted', protected: false },
    ]);
    await visibleAs(tenure, 'account', id, 'deleted');
    await keepHistory('account-full-cycle', tenure.client, `account:${id}`);

    const audit = await auditOf(id);
    expect(audit.map((entry) => entry.action)).toEqual([
      'account.created', 'account.grace_started', 'account.grace_halfway', 'account.suspended', 'account.deletion_warning', 'account.deleted',
    ]);
    const at = Object.fromEntries(audit.map((entry) => [entry.action, entry.at.getTime()]));
    const licenseSuspended = (await auditOf(licenseId, 'license')).find((entry) => entry.action === 'license.suspended')!.at.getTime();
    // Grace starts when the last eligible license stops lending (its own grace over), then runs on the account's policy.
    expect(at['account.grace_started']! - licenseSuspended).toBeLessThan(1_500);
    expect(at['account.grace_halfway']! - at['account.grace_started']!).toBeGreaterThanOrEqual(2_000);
    expect(at['account.grace_halfway']! - at['account.grace_started']!).toBeLessThan(3_000);
    expect(at['account.suspended']! - at['account.grace_started']!).toBeGreaterThanOrEqual(4_000);
    expect(at['account.suspended']! - at['account.grace_started']!).toBeLessThan(5_000);
    expect(at['account.deletion_warning']! - at['account.suspended']!).toBeGreaterThanOrEqual(3_000);
    expect(at['account.deletion_warning']! - at['account.suspended']!).toBeLessThan(4_000);
    expect(at['account.deleted']! - at['account.suspended']!).toBeGreaterThanOrEqual(6_000);
    expect(at['account.deleted']! - at['account.suspended']!).toBeLessThan(7_000);

    expect(await noticesOf(id)).toEqual(['1:deleted', '1:deletion_warning', '1:grace_halfway', '1:grace_started', '1:suspended']);
    const [graceStarted] = await tenure.db.select().from(outbox).where(eq(outbox.key, `account:${id}:1:grace_started`));
    expect(graceStarted).toMatchObject({ subjectType: 'account', companyId, facts: { grace: 'PT4S' } });
    expect(Date.parse(graceStarted!.facts.suspendsAt!) - at['account.grace_started']!).toBe(4_000);
    expect(await getAccount(tenure, id)).toMatchObject({ seatsAllocated: 0, allocations: [], overage: 0, nextDeadline: null });
  });

  it('R18: issuing a new license while the account is suspended restores it to active and protected, and the broken cycle sends nothing more', async () => {
    const { companyId, id } = await accountWhoseLicenseIsDeleted({ grace: 'PT2S', suspension: 'PT5S', deletionNotice: 'PT2S' });
    await untilAccount(tenure, id, (account) => account.state === 'suspended');
    expect(await getAccount(tenure, id)).toMatchObject({ protected: false, cycle: 1, nextDeadline: { event: 'account.deletion_warning' } });

    const secondLicense = await issueLicense(tenure, { companyId, policyId: licensePolicy });
    const restored = await untilAccount(tenure, id, (account) => account.state !== 'suspended');
    expect(restored).toMatchObject({ state: 'active', protected: true, cycle: 2, allocations: [{ licenseId: secondLicense, seats: 5 }], nextDeadline: null });
    await keepHistory('account-restored-from-suspension', tenure.client, `account:${id}`);

    // Past the moment the old cycle's deletion (5 s after suspension) and its warning before it would have fallen.
    await pastDeadline((await recordedAt(id, 'account.suspended')) + 5_000);
    expect(await getAccount(tenure, id)).toMatchObject({ state: 'active', cycle: 2 });
    expect(await noticesOf(id)).toEqual(['1:grace_halfway', '1:grace_started', '1:suspended', '2:restored']);
    expect((await auditOf(id)).map((entry) => entry.action)).toEqual([
      'account.created', 'account.grace_started', 'account.grace_halfway', 'account.suspended', 'account.restored',
    ]);
    const [restoredNotice] = await tenure.db.select().from(outbox).where(eq(outbox.key, `account:${id}:2:restored`));
    const secondExpiry = (await tenure.api('GET', `/v1/licenses/${secondLicense}`)).body.expiresAt;
    expect(restoredNotice!.facts.expiresAt).toBe(secondExpiry);
  });

  it('R18: issuing a new license during grace restores the account without a suspension', async () => {
    // Halfway falls 2 s into grace, well after the restore below: no reminder either.
    const { companyId, id } = await accountWhoseLicenseIsDeleted({ grace: 'PT4S', suspension: 'PT5S', deletionNotice: 'PT2S' });
    await untilAccount(tenure, id, (account) => account.state === 'grace');
    await issueLicense(tenure, { companyId, policyId: licensePolicy });
    expect(await untilAccount(tenure, id, (account) => account.state !== 'grace')).toMatchObject({ state: 'active', protected: true, cycle: 2 });

    // Past the moment grace would have ended: still active, never suspended.
    await pastDeadline((await recordedAt(id, 'account.grace_started')) + 4_000);
    expect((await getAccount(tenure, id)).state).toBe('active');
    expect(await noticesOf(id)).toEqual(['1:grace_started', '2:restored']);
    expect((await auditOf(id)).map((entry) => entry.action)).toEqual(['account.created', 'account.grace_started', 'account.restored']);
  });
});
