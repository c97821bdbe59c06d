import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { createCompany, inSeconds, createAccount, createLapsingLicensePolicy, getAccount, issueLicense, untilAccount } from '../support/setup.js';

let tenure: Tenure;
let licensePolicy: string;
beforeAll(async () => {
  tenure = await startTenure();
  licensePolicy = await createLapsingLicensePolicy(tenure, 'PT3S');
});
afterAll(() => tenure?.close());

const seatsUsed = async (licenseId: string) => (await tenure.api('GET', `/v1/licenses/${licenseId}`)).body.seatsUsed as number;

describe('license groups: the engine decides which license each seat uses', () => {
  it('R9: when the earlier of two licenses lapses, its seats move to the other where capacity allows, and the rest is overage', async () => {
    const companyId = await createCompany(tenure);
    const later = await issueLicense(tenure, { companyId, seats: 6, expiresAt: inSeconds(3600), policyId: licensePolicy });
    const earlier = await issueLicense(tenure, { companyId, seats: 10, expiresAt: inSeconds(2), policyId: licensePolicy });
    const created = await createAccount(tenure, { companyId, seatsRequested: 12 });

    // Capacity about to lapse is used first.
    expect(created).toMatchObject({
      state: 'active',
      seatsAllocated: 12,
      overage: 0,
      allocations: [{ licenseId: earlier, seats: 10 }, { licenseId: later, seats: 2 }],
    });
    expect([await seatsUsed(earlier), await seatsUsed(later)]).toEqual([10, 2]);

    // R11: a license in grace still protects, so it keeps lending its seats.
    await eventually(async () => (await tenure.api('GET', `/v1/licenses/${earlier}`)).body.state, (state) => state === 'grace');
    expect((await getAccount(tenure, created.id)).allocations).toEqual([{ licenseId: earlier, seats: 10 }, { licenseId: later, seats: 2 }]);

    const moved = await untilAccount(tenure, created.id, (account) => account.allocations.every((allocation) => allocation.licenseId !== earlier));
    expect(moved).toMatchObject({ state: 'active', protected: true, seatsRequested: 12, seatsAllocated: 6, overage: 6, allocations: [{ licenseId: later, seats: 6 }] });
    expect((await tenure.api('GET', `/v1/licenses/${earlier}`)).body).toMatchObject({ state: 'suspended', seatsUsed: 0 });
    expect(await seatsUsed(later)).toBe(6);
  });

  it('R9: seats go to the oldest account first; a change of seats or a deletion re-allocates the group at once', async () => {
    const companyId = await createCompany(tenure);
    const license = await issueLicense(tenure, { companyId, seats: 10, policyId: licensePolicy });
    const first = await createAccount(tenure, { companyId, seatsRequested: 7, name: 'First tenant' });
    const second = await createAccount(tenure, { companyId, seatsRequested: 5, name: 'Second tenant' });
    expect(second).toMatchObject({ seatsAllocated: 3, overage: 2, allocations: [{ licenseId: license, seats: 3 }] });

    const shrunk = await tenure.api('PATCH', `/v1/accounts/${first.id}`, { seatsRequested: 4 });
    expect(shrunk.status).toBe(200);
    expect(shrunk.body).toMatchObject({ seatsRequested: 4, seatsAllocated: 4, overage: 0 });
    expect(await getAccount(tenure, second.id)).toMatchObject({ seatsAllocated: 5, overage: 0 });
    expect(await seatsUsed(license)).toBe(9);

    const grown = await tenure.api('PATCH', `/v1/accounts/${second.id}`, { seatsRequested: 8 });
    expect(grown.body).toMatchObject({ seatsRequested: 8, seatsAllocated: 6, overage: 2 });

    const deleted = await tenure.api('DELETE', `/v1/accounts/${first.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ state: 'deleted', protected: false, seatsAllocated: 0, allocations: [] });
    expect(await getAccount(tenure, second.id)).toMatchObject({ seatsAllocated: 8, overage: 0, allocations: [{ licenseId: license, seats: 8 }] });
    expect(await seatsUsed(license)).toBe(8);
  });
});
