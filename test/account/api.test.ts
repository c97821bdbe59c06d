import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { hashSecret } from '../../api/api-key/keys.js';
import { accounts, apiKeys, partners } from '../../db/schema.js';
import { startTenure, type Tenure } from '../support/tenure.js';
import { createCompany, createPolicy, PRODUCT, createAccount, issueLicense } from '../support/setup.js';

let tenure: Tenure;
let companyId: string;
beforeAll(async () => {
  tenure = await startTenure();
  const accountPolicy = await createPolicy(tenure, { trial: 'PT30S', grace: 'PT20S', suspension: 'PT40S', deletionNotice: 'PT10S' });
  companyId = await createCompany(tenure, { policyId: accountPolicy });
});
afterAll(() => tenure?.close());

/** A second partner with its own admin key, written directly: partner management is not under test here. */
async function otherPartnersKey(): Promise<string> {
  const [partner] = await tenure.db.insert(partners).values({ name: 'Other MSP' }).returning({ id: partners.id });
  const secret = `tk_other_${crypto.randomUUID()}`;
  await tenure.db.insert(apiKeys).values({ partnerId: partner!.id, name: 'other', role: 'admin', secretHash: hashSecret(secret) });
  return secret;
}

const ownPartnerId = async () => (await tenure.db.select({ id: partners.id }).from(partners).limit(1))[0]!.id;

describe('accounts API', () => {
  it('R30: a monthly account needs the monthly programme; without it the answer is 403 with the reason', async () => {
    const refused = await tenure.api('POST', '/v1/accounts', { companyId, product: PRODUCT, name: 'Flex tenant', seatsRequested: 5, term: 'monthly' });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ code: 'monthly_programme_required', field: 'term', detail: expect.stringContaining('monthly (flex) programme') });

    await tenure.db.update(partners).set({ monthlyProgramme: true }).where(eq(partners.id, await ownPartnerId()));
    const accepted = await createAccount(tenure, { companyId, name: 'Flex tenant', term: 'monthly' });
    expect(accepted).toMatchObject({ term: 'monthly', state: 'grace' });
    await tenure.db.update(partners).set({ monthlyProgramme: false }).where(eq(partners.id, await ownPartnerId()));
  });

  it('bad input is a 422 problem naming the field, never a 500', async () => {
    const answer = await tenure.api('POST', '/v1/accounts', { companyId, product: PRODUCT, name: 'Tenant', seatsRequested: 0, term: 'annual' });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ code: 'invalid_input', field: 'seatsRequested' });

    const unknownCompany = await tenure.api('POST', '/v1/accounts', { companyId: crypto.randomUUID(), product: PRODUCT, name: 'Tenant', seatsRequested: 1, term: 'annual' });
    expect(unknownCompany.body).toMatchObject({ status: 422, field: 'companyId' });
    const badTerm = await tenure.api('POST', '/v1/accounts', { companyId, product: PRODUCT, name: 'Tenant', seatsRequested: 1, term: 'trial' });
    expect(badTerm.body).toMatchObject({ status: 422, field: 'term' });
    const badFilter = await tenure.api('GET', '/v1/accounts?state=sleeping');
    expect(badFilter.body).toMatchObject({ status: 422, field: 'state' });
  });

  it('issue 14: a company read PostgreSQL does not answer is a 503 to retry, not a 422 blaming companyId, and creates nothing', async () => {
    // The companies table locked by another session: the API key is read, the company is not.
    const answer = await tenure.db.transaction(async (tx) => {
      await tx.execute(sql`lock table companies in access exclusive mode`);
      return tenure.api('POST', '/v1/accounts', { companyId, product: PRODUCT, name: 'Created During A Stall', seatsRequested: 1, term: 'annual' });
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(503);
    expect(answer.body).toMatchObject({ code: 'unavailable' });
    expect(answer.body.field).toBeUndefined();
    expect(await tenure.db.select().from(accounts).where(eq(accounts.name, 'Created During A Stall'))).toEqual([]);
  });

  it('R10: a trial account runs its policy length; its timeline shows what follows from the machine and the policy', async () => {
    const trial = await createAccount(tenure, { companyId, product: 'mail-security', trial: true });
    expect(trial).toMatchObject({ state: 'trial', protected: true, nextDeadline: { event: 'account.trial_ended' }, seatsAllocated: 0, overage: 5 });
    const endsAt = Date.parse(trial.nextDeadline!.at);

    const timeline = await tenure.api('GET', `/v1/accounts/${trial.id}/timeline`);
    expect(timeline.status).toBe(200);
    // No license in the group: the trial ends in grace, then suspension and deletion follow on the policy.
    const entries = timeline.body.timeline.map((entry: { event: string; to: string; notices: { kind: string }[]; at: string }) => [
      entry.event,
      entry.to,
      entry.notices.map((notice) => notice.kind),
      Date.parse(entry.at) - endsAt,
    ]);
    expect(entries).toEqual([
      ['account.trial_ended', 'grace', ['grace_started'], 0],
      ['account.grace_halfway', 'grace', ['grace_halfway'], 10_000],
      ['account.suspended', 'suspended', ['suspended'], 20_000],
      ['account.deletion_warning', 'suspended', ['deletion_warning'], 50_000],
      ['account.deleted', 'deleted', ['deleted'], 60_000],
    ]);
  });

  it('lists accounts by company, product and state; R1: another partner\'s account does not exist for the caller', async () => {
    const licenseId = await issueLicense(tenure, { companyId, product: 'archive' });
    const account = await createAccount(tenure, { companyId, product: 'archive', name: 'Archive tenant', seatsRequested: 4 });
    expect(account).toMatchObject({ state: 'active', allocations: [{ licenseId, seats: 4 }] });

    const listed = await tenure.api('GET', `/v1/accounts?companyId=${companyId}&product=archive&state=active`);
    expect(listed.body.data.map((row: { id: string }) => row.id)).toEqual([account.id]);
    expect((await tenure.api('GET', `/v1/accounts?product=archive&state=grace`)).body.data).toEqual([]);

    const otherKey = await otherPartnersKey();
    expect((await tenure.api('GET', `/v1/accounts/${account.id}`, undefined, { key: otherKey })).status).toBe(404);
    expect((await tenure.api('DELETE', `/v1/accounts/${account.id}`, undefined, { key: otherKey })).status).toBe(404);
    expect((await tenure.api('GET', '/v1/accounts', undefined, { key: otherKey })).body.data).toEqual([]);
  });

  it('deleting an account is final: a second delete or a change of seats answers 409 from the lifecycle', async () => {
    const account = await createAccount(tenure, { companyId, product: 'backup' });
    const deleted = await tenure.api('DELETE', `/v1/accounts/${account.id}`);
    expect(deleted.body).toMatchObject({ state: 'deleted', protected: false, nextDeadline: null });

    const again = await tenure.api('DELETE', `/v1/accounts/${account.id}`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'illegal_transition', state: 'deleted', operation: 'delete' });
    const resized = await tenure.api('PATCH', `/v1/accounts/${account.id}`, { seatsRequested: 9 });
    expect(resized.status).toBe(409);
    const invalid = await tenure.api('PATCH', `/v1/accounts/${account.id}`, { seats: 9 });
    expect(invalid.status).toBe(422);
  });
});
