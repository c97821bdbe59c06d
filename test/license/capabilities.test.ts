// R13 through the API, one test per row of the capability table (machines/lifecycle/capabilities.ts):
// what a license allows depends on the type of the upstream account it came from.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesByAccountType, capabilitiesOf } from '../../machines/lifecycle/capabilities.js';
import { startTenure, type Tenure } from '../support/tenure.js';
import { createAccount, createCompany, issueLicense, untilAccount } from '../support/setup.js';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure();
});
afterAll(() => tenure?.close());

const partnerPlatforms = ['lmp', 'msp', 'managed_msp', 'msp_manager'] as const;
const customerPortals = ['clp', 'business'] as const;

const licenseOf = async (id: string) => (await tenure.api('GET', `/v1/licenses/${id}`)).body;

describe('R13: capabilities by the account type a license came from', () => {
  it('R13 renew: a partner-platform license is renewed here; a customer-portal one is renewed upstream, so here it is 409', async () => {
    const companyId = await createCompany(tenure);
    const fromMsp = await issueLicense(tenure, { companyId, accountType: 'msp' });
    expect((await tenure.api('POST', `/v1/licenses/${fromMsp}/renew`, { duration: 'P1Y' })).status).toBe(200);

    const fromClp = await issueLicense(tenure, { companyId, accountType: 'clp' });
    const refused = await tenure.api('POST', `/v1/licenses/${fromClp}/renew`, { duration: 'P1Y' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'illegal_transition', operation: 'renew', detail: expect.stringContaining('clp') });
  });

  it('R13 assignSeats: an account on a clp license gets no seats from it; a partner-platform license of the same group lends them', async () => {
    const companyId = await createCompany(tenure, { name: 'Portal Customer' });
    const fromClp = await issueLicense(tenure, { companyId, accountType: 'clp', seats: 50 });
    const alone = await createAccount(tenure, { companyId, seatsRequested: 5 });
    // With nothing it may draw from, the account is in grace (R15) and every seat it asks for is overage.
    const unserved = await untilAccount(tenure, alone.id, (account) => account.state === 'grace');
    expect(unserved).toMatchObject({ seatsAllocated: 0, overage: 5, allocations: [] });
    expect(await licenseOf(fromClp)).toMatchObject({ seatsUsed: 0 });

    const fromMsp = await issueLicense(tenure, { companyId, accountType: 'msp', seats: 3 });
    const served = await untilAccount(tenure, alone.id, (account) => account.state === 'active' && account.seatsAllocated === 3);
    expect(served).toMatchObject({ overage: 2, allocations: [{ licenseId: fromMsp, seats: 3 }] });
    expect(await licenseOf(fromClp)).toMatchObject({ seatsUsed: 0 });
    expect(await licenseOf(fromMsp)).toMatchObject({ seatsUsed: 3 });
  });

  it('R13 deleteCompany: no route deletes a company at all, so a company holding partner-platform licenses cannot be deleted', async () => {
    expect(partnerPlatforms.map((type) => capabilitiesByAccountType[type].deleteCompany)).toEqual([false, false, false, false]);
    expect(customerPortals.map((type) => capabilitiesByAccountType[type].deleteCompany)).toEqual([true, true]);

    const companyId = await createCompany(tenure, { name: 'Platform Customer' });
    await issueLicense(tenure, { companyId, accountType: 'msp' });
    const refused = await tenure.api('DELETE', `/v1/companies/${companyId}`);
    expect(refused.status).toBe(405);
    expect((await tenure.api('GET', `/v1/companies/${companyId}`)).status).toBe(200);
  });

  it('R13 deleteProduct: a partner-platform license cannot be deleted here (409); a customer-portal one can', async () => {
    const companyId = await createCompany(tenure);
    const fromMsp = await issueLicense(tenure, { companyId, accountType: 'msp' });
    const refused = await tenure.api('DELETE', `/v1/licenses/${fromMsp}`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('msp');
    expect(await licenseOf(fromMsp)).toMatchObject({ state: 'active' });

    const fromBusiness = await issueLicense(tenure, { companyId, accountType: 'business' });
    expect((await tenure.api('DELETE', `/v1/licenses/${fromBusiness}`)).body.state).toBe('deleted');
  });

  it('R13 editProductDescription: Tenure keeps no product description, so the row is the table only: customer portals yes, partner platforms no', async () => {
    expect(partnerPlatforms.map((type) => capabilitiesByAccountType[type].editProductDescription)).toEqual([false, false, false, false]);
    expect(customerPortals.map((type) => capabilitiesByAccountType[type].editProductDescription)).toEqual([true, true]);
    const companyId = await createCompany(tenure);
    expect(await licenseOf(await issueLicense(tenure, { companyId, accountType: 'clp' }))).not.toHaveProperty('description');
  });

  it('R13 registration: partner platforms register by service plan, customer portals with an authorization key', () => {
    expect(partnerPlatforms.map((type) => capabilitiesByAccountType[type].registration)).toEqual(Array(4).fill('service_plan'));
    expect(customerPortals.map((type) => capabilitiesByAccountType[type].registration)).toEqual(['authorization_key', 'authorization_key']);
  });

  it('R13: a license issued through the API, with no upstream account, has every capability', async () => {
    expect(capabilitiesOf(null)).toMatchObject({ renew: true, assignSeats: true, deleteCompany: true, deleteProduct: true, editProductDescription: true });
    const companyId = await createCompany(tenure);
    const direct = await issueLicense(tenure, { companyId });
    expect((await tenure.api('POST', `/v1/licenses/${direct}/renew`, { duration: 'P1Y' })).status).toBe(200);
    const account = await createAccount(tenure, { companyId, seatsRequested: 4 });
    expect(await untilAccount(tenure, account.id, (body) => body.seatsAllocated === 4)).toMatchObject({ allocations: [{ licenseId: direct, seats: 4 }] });
    expect((await tenure.api('DELETE', `/v1/licenses/${direct}`)).body.state).toBe('deleted');
  });
});
