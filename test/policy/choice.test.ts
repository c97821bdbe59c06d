// Which policy a license or account lives by (DESIGN §3): the one named at issue, else its
// company's, else the partner's for its product, else the partner's default; every policy
// creation, change and choice is audited (R32); a running license adopts its company's new
// policy at its next cycle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePolicy } from '../../db/policies.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { createAccount, createCompany, createKey, createPolicy, inSeconds, issueLicense } from '../support/setup.js';

let tenure: Tenure;
let partnerId: string;
beforeAll(async () => {
  tenure = await startTenure();
  partnerId = (await tenure.api('GET', '/v1/partner')).body.id;
});
afterAll(() => tenure?.close());

const auditOf = async (subject: string) => (await tenure.api('GET', `/v1/audit?subject=${encodeURIComponent(subject)}`)).body.data as { action: string; before: any; after: any }[];
const policyOfLicense = async (id: string) => (await tenure.api('GET', `/v1/licenses/${id}`)).body.policy as { id: string; version: number };
const untilLicense = (id: string, accept: (license: any) => boolean) =>
  eventually(async () => (await tenure.api('GET', `/v1/licenses/${id}`)).body, accept, { timeoutMs: 20_000 });
const setProductPolicy = (product: string, policyId: string, key?: string) => tenure.api('PUT', `/v1/partner/policies/products/${product}`, { policyId }, { key });

describe('policies in the audit log (R32)', () => {
  it('R32: a policy\'s creation and each change show in the audit log with both versions', async () => {
    const policyId = await createPolicy(tenure, { grace: 'PT4S' });
    expect((await tenure.api('PATCH', `/v1/policies/${policyId}`, { grace: 'PT8S' })).body).toMatchObject({ version: 2, grace: 'PT8S' });
    const entries = await auditOf(policyId);
    expect(entries.map((entry) => entry.action)).toEqual(['policy.created', 'policy.updated']);
    expect(entries[0]!.after).toMatchObject({ id: policyId, version: 1, grace: 'PT4S' });
    expect(entries[1]).toMatchObject({ before: { version: 1, grace: 'PT4S' }, after: { version: 2, grace: 'PT8S' } });
  });

  it('R32: changes sent at once each become a version of their own, each audited from the one before', async () => {
    const policyId = await createPolicy(tenure, { grace: 'PT4S' });
    const graces = ['PT5S', 'PT6S', 'PT7S', 'PT8S', 'PT9S', 'PT10S'];
    const answers = await Promise.all(graces.map((grace) => tenure.api('PATCH', `/v1/policies/${policyId}`, { grace })));
    expect(answers.map((answer) => answer.status), JSON.stringify(answers.map((answer) => answer.body))).toEqual(graces.map(() => 200));
    // Each answers with the version it wrote, holding its own change.
    expect(answers.map((answer) => answer.body.grace)).toEqual(graces);
    expect(answers.map((answer) => answer.body.version).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7]);
    const changes = (await auditOf(policyId)).filter((entry) => entry.action === 'policy.updated');
    expect(changes.map((entry) => [entry.before.version, entry.after.version]).sort(([a], [b]) => a - b)).toEqual([[1, 2], [2, 3], [3, 4], [4, 5], [5, 6], [6, 7]]);
  });
});

describe('a policy per product', () => {
  it('PUT /v1/partner/policies/products/:product chooses, lists, replaces and removes a product\'s policy, audited; admins only', async () => {
    const first = await createPolicy(tenure);
    const second = await createPolicy(tenure);
    expect((await setProductPolicy('edr', first)).body).toMatchObject({ product: 'edr', policyId: first });
    expect((await setProductPolicy('edr', second)).body).toMatchObject({ product: 'edr', policyId: second });
    expect((await tenure.api('GET', '/v1/partner/policies/products')).body.data).toEqual([expect.objectContaining({ product: 'edr', policyId: second })]);
    expect((await tenure.api('DELETE', '/v1/partner/policies/products/edr')).status).toBe(204);
    expect((await tenure.api('GET', '/v1/partner/policies/products')).body.data).toEqual([]);
    expect((await tenure.api('DELETE', '/v1/partner/policies/products/edr')).status).toBe(404);

    const entries = await auditOf('edr');
    expect(entries.map((entry) => entry.action)).toEqual(['product_policy.set', 'product_policy.set', 'product_policy.removed']);
    expect(entries[1]).toMatchObject({ before: { policyId: first }, after: { policyId: second } });

    const operator = await createKey(tenure, 'operator');
    expect((await setProductPolicy('edr', first, operator.secret)).status).toBe(403);
  });

  it('a policy that does not exist, or a product code that is not one, is a 422 naming the field', async () => {
    const unknown = await setProductPolicy('edr', crypto.randomUUID());
    expect(unknown).toMatchObject({ status: 422, body: { errors: [{ field: 'policyId', message: 'does not exist' }] } });
    const badProduct = await setProductPolicy('Not%20A%20Code', await createPolicy(tenure));
    expect(badProduct).toMatchObject({ status: 422, body: { errors: [expect.objectContaining({ field: 'product' })] } });
  });

  it('DESIGN §3: named at issue > the company\'s > the product\'s > the partner\'s default, for licenses and accounts', async () => {
    const forProduct = await createPolicy(tenure);
    const forCompany = await createPolicy(tenure);
    const named = await createPolicy(tenure);
    await setProductPolicy('mail-security', forProduct);
    const plain = await createCompany(tenure, { name: 'Plain' });
    const withPolicy = await createCompany(tenure, { name: 'Chosen', policyId: forCompany });

    expect((await policyOfLicense(await issueLicense(tenure, { companyId: plain, product: 'mail-security' }))).id).toBe(forProduct);
    expect((await policyOfLicense(await issueLicense(tenure, { companyId: withPolicy, product: 'mail-security' }))).id).toBe(forCompany);
    expect((await policyOfLicense(await issueLicense(tenure, { companyId: withPolicy, product: 'mail-security', policyId: named }))).id).toBe(named);
    const elsewhere = await policyOfLicense(await issueLicense(tenure, { companyId: plain, product: 'archive' }));
    expect((await tenure.api('GET', `/v1/policies/${elsewhere.id}`)).body.name).toBe('Default');

    const account = await createAccount(tenure, { companyId: plain, product: 'mail-security' });
    expect((await tenure.api('GET', `/v1/accounts/${account.id}`)).body.policy.id).toBe(forProduct);

    const subject = { partnerId, companyId: plain, product: 'mail-security' };
    expect(await resolvePolicy(tenure.db, { ...subject, explicitPolicyId: null })).toMatchObject({ choice: 'product', policy: { id: forProduct } });
    expect(await resolvePolicy(tenure.db, { ...subject, explicitPolicyId: named })).toMatchObject({ choice: 'explicit', policy: { id: named } });
  });

  it('a company\'s new policy reaches its running license at the license\'s next cycle', async () => {
    const before = await createPolicy(tenure, { grace: 'PT1H', expiryNotices: ['PT1H'] });
    const after = await createPolicy(tenure, { grace: 'PT2H', expiryNotices: ['PT1H'] });
    const companyId = await createCompany(tenure, { name: 'Switching', policyId: before });
    const licenseId = await issueLicense(tenure, { companyId, expiresAt: inSeconds(1) });
    expect((await policyOfLicense(licenseId)).id).toBe(before);

    await tenure.api('PATCH', `/v1/companies/${companyId}`, { policyId: after });
    // Still the old policy in this cycle; renewing from grace opens the next one.
    const inGrace = await untilLicense(licenseId, (license) => license.state === 'grace');
    expect(inGrace.policy.id).toBe(before);
    expect((await tenure.api('POST', `/v1/licenses/${licenseId}/renew`, { duration: 'P1Y', basis: 'from_now' })).status).toBe(200);
    const adopted = await untilLicense(licenseId, (license) => license.policy.id === after);
    expect(adopted.cycle).toBe(2);
  });
});
