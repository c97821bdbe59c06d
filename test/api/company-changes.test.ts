// Changing a company: only the fields sent change, every change is audited (R32), and a rename
// reaches the running workflows of its licenses and accounts without touching their tags (R8).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { testPayloadCodec } from '../support/payload-keys.js';
import { startTenure, type Tenure } from '../support/tenure.js';
import { createAccount, createCompany, createPolicy, issueLicense } from '../support/setup.js';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure();
});
afterAll(() => tenure?.close());

const auditOf = async (subject: string) => (await tenure.api('GET', `/v1/audit?subject=${subject}`)).body.data as { action: string; before: any; after: any }[];

/** The `factsChanged` signals a workflow received, as their decrypted payloads. */
async function factsSignalsOf(workflowId: string): Promise<unknown[]> {
  const history = await tenure.client.workflow.getHandle(workflowId).fetchHistory();
  const signals = (history.events ?? [])
    .map((event) => event.workflowExecutionSignaledEventAttributes)
    .filter((signal) => signal?.signalName === 'factsChanged');
  return Promise.all(signals.map(async (signal) => defaultPayloadConverter.fromPayload((await testPayloadCodec.decode([signal!.input!.payloads![0]!]))[0]!)));
}

describe('changing a company', () => {
  it('a new parent is neither the company nor one below it, even when two changes race: companies form a tree', async () => {
    const top = await createCompany(tenure, { name: 'Holding' });
    const subsidiary = await createCompany(tenure, { name: 'Subsidiary', parentId: top });
    for (const parentId of [top, subsidiary]) {
      expect(await tenure.api('PATCH', `/v1/companies/${top}`, { parentId })).toMatchObject({ status: 422, body: { field: 'parentId' } });
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const [left, right] = await Promise.all([createCompany(tenure, { name: `Left ${attempt}` }), createCompany(tenure, { name: `Right ${attempt}` })]);
      const answers = await Promise.all([
        tenure.api('PATCH', `/v1/companies/${left}`, { parentId: right }),
        tenure.api('PATCH', `/v1/companies/${right}`, { parentId: left }),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 422]);
    }
  });

  it('issue 14: a policy PostgreSQL does not answer is a 503 to retry, not a 422 saying policyId does not exist', async () => {
    const policyId = await createPolicy(tenure, { grace: 'P14D' });
    const company = await createCompany(tenure, { name: 'Stalled Policy Ltd' });
    // The policies table locked by another session: the API key and the company are read, the policy is not.
    const answer = await tenure.db.transaction(async (tx) => {
      await tx.execute(sql`lock table policies in access exclusive mode`);
      return tenure.api('PATCH', `/v1/companies/${company}`, { policyId });
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(503);
    expect(answer.body).toMatchObject({ code: 'unavailable' });
    expect((await tenure.api('GET', `/v1/companies/${company}`)).body.policyId).toBeNull();
  });

  it('changes only the fields sent: a rename keeps the language, recipients and opt-outs of its notices', async () => {
    const companyId = await createCompany(tenure, { name: 'Acme', locale: 'fr', noticeEmails: ['it@acme.test'], noticeOptOuts: ['expiring'] });
    const renamed = await tenure.api('PATCH', `/v1/companies/${companyId}`, { name: 'Acme Europe' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Acme Europe', locale: 'fr', noticeEmails: ['it@acme.test'], noticeOptOuts: ['expiring'] });
    expect((await tenure.api('GET', `/v1/companies/${companyId}`)).body).toMatchObject({ name: 'Acme Europe', locale: 'fr', noticeOptOuts: ['expiring'] });
  });

  it('R32: GET /v1/audit?subject=<company id> shows its creation and its rename, with who, before and after', async () => {
    const companyId = await createCompany(tenure, { name: 'Initech' });
    await tenure.api('PATCH', `/v1/companies/${companyId}`, { name: 'Initech Group' });
    const entries = await auditOf(companyId);
    expect(entries.map((entry) => entry.action)).toEqual(['company.created', 'company.updated']);
    expect(entries[0]).toMatchObject({ subjectType: 'company', actor: expect.stringMatching(/^api-key:/), before: null, after: { name: 'Initech' } });
    expect(entries[1]).toMatchObject({ before: { name: 'Initech' }, after: { name: 'Initech Group' } });
  });

  it('R8: a rename tells the live license and account workflows of the company its new name; license tags keep the old one', async () => {
    const companyId = await createCompany(tenure, { name: 'Globex' });
    const licenseId = await issueLicense(tenure, { companyId });
    const account = await createAccount(tenure, { companyId, seatsRequested: 1 });
    const otherCompany = await createCompany(tenure, { name: 'Bystander' });
    const bystander = await issueLicense(tenure, { companyId: otherCompany });

    expect((await tenure.api('PATCH', `/v1/companies/${companyId}`, { name: 'Globex Corporation' })).status).toBe(200);
    expect(await factsSignalsOf(`license:${licenseId}`)).toEqual([{ companyName: 'Globex Corporation' }]);
    expect(await factsSignalsOf(`account:${account.id}`)).toEqual([{ companyName: 'Globex Corporation' }]);
    expect(await factsSignalsOf(`license:${bystander}`)).toEqual([]);
    expect((await tenure.api('GET', `/v1/licenses/${licenseId}`)).body.tag).toBe('Globex');

    // A change that keeps the name tells no one.
    await tenure.api('PATCH', `/v1/companies/${companyId}`, { locale: 'de' });
    expect(await factsSignalsOf(`license:${licenseId}`)).toHaveLength(1);
  });
});
