import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateSeats } from '../../machines/account/allocation.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { untilIdle } from '../support/deadlines.js';
import { createCompany, createPolicy, PRODUCT, createAccount, getAccount, issueLicense, type AccountBody } from '../support/setup.js';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure();
});
afterAll(() => tenure?.close());

interface LicenseBody {
  id: string;
  state: string;
  seats: number;
  seatsUsed: number;
  expiresAt: string;
}

const HOUR = 3_600_000;

/** Every operation at once; the API answers each after its license wrote the change. */
async function allAtOnce(operations: (() => Promise<{ status: number }>)[]) {
  const answers = await Promise.all(operations.map((operation) => operation()));
  expect(answers.map((answer) => answer.status)).toEqual(operations.map(() => 200));
}
const licenseOperation = (id: string, operation: 'suspend' | 'resume' | 'renew' | 'delete') => () =>
  operation === 'delete'
    ? tenure.api('DELETE', `/v1/licenses/${id}`)
    : tenure.api('POST', `/v1/licenses/${id}/${operation}`, operation === 'renew' ? { duration: 'P30D', basis: 'from_expiry' } : undefined);

describe('license changes reach every account of the group, in any order', () => {
  it('R9, R15, R18: ten licenses of one company changing at once leave every account of that company in the state the rules say', async () => {
    // Long periods: only license changes move these accounts during the test.
    const accountPolicy = await createPolicy(tenure, { trial: 'PT10M', grace: 'PT10M', suspension: 'PT10M', deletionNotice: 'PT1M' });
    const licensePolicy = await createPolicy(tenure, { grace: 'PT10M', suspension: 'PT10M', expiryNotices: ['PT1M'], deletionNotice: 'PT1M' });
    const companyId = await createCompany(tenure, { policyId: accountPolicy });
    const small = await createAccount(tenure, { companyId, seatsRequested: 3, name: 'Small tenant' });
    const large = await createAccount(tenure, { companyId, seatsRequested: 40, name: 'Large tenant' });
    const otherProduct = await createAccount(tenure, { companyId, product: 'endpoint-protection', seatsRequested: 5 });
    expect([small.state, large.state, otherProduct.state]).toEqual(['grace', 'grace', 'grace']);
    const group = [small.id, large.id];

    const readGroup = async () => {
      const licenses = (await tenure.api('GET', `/v1/licenses?companyId=${companyId}&product=${PRODUCT}`)).body.data as LicenseBody[];
      const accounts = await Promise.all(group.map((id) => getAccount(tenure, id)));
      return { licenses, accounts: accounts as (AccountBody & { createdAt: string })[] };
    };
    /** What the rules say the group must show, computed from the licenses as they now stand. */
    const settled = (expectedState: string) => async () => {
      const accept = ({ licenses, accounts }: Awaited<ReturnType<typeof readGroup>>) => {
        const expected = allocateSeats(
          accounts.map((account) => ({ id: account.id, seatsRequested: account.seatsRequested, createdAt: Date.parse(account.createdAt) })),
          licenses.map((license) => ({ id: license.id, state: license.state, seats: license.seats, expiresAt: Date.parse(license.expiresAt) })),
        );
        return (
          accounts.every((account) => {
            const wanted = expected.perAccount[account.id]!;
            return account.state === expectedState && account.overage === wanted.overage &&
              JSON.stringify(account.allocations) === JSON.stringify(wanted.allocations.map(({ licenseId, seats }) => ({ licenseId, seats })));
          }) && licenses.every((license) => license.seatsUsed === (expected.perLicense[license.id]?.used ?? 0))
        );
      };
      const seen = await eventually(readGroup, accept, { timeoutMs: 20_000 });
      // Settled, not passing through: once no workflow of the group has work in flight, a second look sees the same.
      await untilIdle(tenure.client, [...seen.licenses.map((license) => `license:${license.id}`), ...group.map((id) => `account:${id}`)]);
      const again = await readGroup();
      expect(accept(again), JSON.stringify(again)).toBe(true);
      return again.accounts;
    };

    // Ten licenses issued at once, with shuffled sizes and expiries.
    const sizes = [7, 2, 9, 5, 1, 10, 4, 8, 3, 6];
    const licenseIds = await Promise.all(
      sizes.map((seats, index) =>
        issueLicense(tenure, { companyId, seats, policyId: licensePolicy, expiresAt: new Date(Date.now() + (10 + ((index * 7) % 10)) * HOUR).toISOString() }),
      ),
    );
    const restored = await settled('active')();
    expect(restored.map((account) => [account.cycle, account.overage])).toEqual([[2, 0], [2, 0]]);

    // Nine suspended while the tenth is renewed: an eligible license remains at every moment, so no account ever leaves active.
    const [kept, ...rest] = licenseIds as [string, ...string[]];
    await allAtOnce([...rest.map((id) => licenseOperation(id, 'suspend')), licenseOperation(kept, 'renew')]);
    const onOne = await settled('active')();
    expect(onOne.map((account) => account.cycle)).toEqual([2, 2]);
    expect(onOne.map((account) => account.seatsAllocated)).toEqual([3, 4]);

    // The last eligible license suspended while four others resume: the group ends with four eligible licenses.
    const resumed = rest.slice(0, 4);
    await allAtOnce([licenseOperation(kept, 'suspend'), ...resumed.map((id) => licenseOperation(id, 'resume'))]);
    await settled('active')();

    // Every eligible license suspended or deleted at once: the whole group goes to grace.
    await allAtOnce([...resumed.map((id) => licenseOperation(id, 'suspend')), ...rest.slice(4, 8).map((id) => licenseOperation(id, 'delete'))]);
    const lapsed = await settled('grace')();
    expect(lapsed.every((account) => account.protected && account.seatsAllocated === 0)).toBe(true);

    // The other product's account was never part of the group.
    expect(await getAccount(tenure, otherProduct.id)).toMatchObject({ state: 'grace', cycle: 1, seatsAllocated: 0, overage: 5 });
  });
});
