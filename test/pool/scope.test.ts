// R2: a key scoped to access groups sees and changes only the licenses of those groups and their
// sub-groups, and what is about them; anything else answers 404, as another partner's object does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCompany, createKey, issueLicense } from '../support/setup.js';
import { startTenure, type Tenure } from '../support/tenure.js';
import { createAccessGroup, createPool, startMove, untilOperation } from './helpers.js';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure();
});
afterAll(() => tenure?.close());

/** Every license route of the API that names one license, as a viewer would call it. */
const licenseReads = (id: string) => [`/v1/licenses/${id}`, `/v1/licenses/${id}/timeline`];

describe('R2: a key scoped to access group A', () => {
  it('gets 404 for a license in group B on every route, does not list it, and sees it once its pool moves to A', async () => {
    const groupA = await createAccessGroup(tenure, 'A');
    const groupB = await createAccessGroup(tenure, 'B');
    const poolB = await createPool(tenure, 'Pool in B', groupB);
    const companyId = await createCompany(tenure, { name: 'Scoped Corp' });
    const licenseId = await issueLicense(tenure, { companyId, poolId: poolB });
    const viewer = (await createKey(tenure, 'viewer', { accessGroupIds: [groupA] })).secret;
    const operator = (await createKey(tenure, 'operator', { accessGroupIds: [groupA] })).secret;

    for (const path of licenseReads(licenseId)) {
      const answer = await tenure.api('GET', path, undefined, { key: viewer });
      expect(answer.status, path).toBe(404);
      expect(answer.body.code).toBe('not_found');
    }
    for (const [method, path, body] of [
      ['POST', `/v1/licenses/${licenseId}/renew`, { duration: 'P1M', basis: 'from_expiry' }],
      ['POST', `/v1/licenses/${licenseId}/suspend`, undefined],
      ['PATCH', `/v1/licenses/${licenseId}`, { tag: 'Not mine' }],
      ['DELETE', `/v1/licenses/${licenseId}`, undefined],
      ['GET', `/v1/pools/${poolB}`, undefined],
      ['GET', `/v1/access-groups/${groupB}`, undefined],
    ] as const) {
      const answer = await tenure.api(method, path, body, { key: operator });
      expect(answer.status, `${method} ${path}`).toBe(404);
    }
    const listed = async () => (await tenure.api('GET', '/v1/licenses', undefined, { key: viewer })).body.data.map((license: { id: string }) => license.id);
    expect(await listed()).not.toContain(licenseId);
    expect((await tenure.api('GET', `/v1/audit?subject=${licenseId}`, undefined, { key: viewer })).body.data).toEqual([]);
    expect((await tenure.api('GET', `/v1/audit?subject=${licenseId}`)).body.data.length).toBeGreaterThan(0);
    expect((await tenure.api('GET', '/v1/usage', undefined, { key: viewer })).body.data).toEqual([]);
    expect((await tenure.api('GET', '/v1/pools', undefined, { key: viewer })).body.data).toEqual([]);

    await untilOperation(tenure, await startMove(tenure, poolB, groupA), 'succeeded');

    for (const path of licenseReads(licenseId)) expect((await tenure.api('GET', path, undefined, { key: viewer })).status, path).toBe(200);
    expect(await listed()).toContain(licenseId);
    expect((await tenure.api('GET', `/v1/audit?subject=${licenseId}`, undefined, { key: viewer })).body.data.length).toBeGreaterThan(0);
    const usage = (await tenure.api('GET', '/v1/usage', undefined, { key: viewer })).body.data;
    expect(usage.map((line: { companyId: string }) => line.companyId)).toEqual([companyId]);
    expect((await tenure.api('GET', '/v1/pools', undefined, { key: viewer })).body.data.map((pool: { id: string }) => pool.id)).toEqual([poolB]);
  });

  it('sees the licenses of sub-groups, and creates groups only inside its own', async () => {
    const groupA = await createAccessGroup(tenure, 'Parent');
    const child = await createAccessGroup(tenure, 'Child', { parentId: groupA });
    const poolId = await createPool(tenure, 'Pool in child', child);
    const licenseId = await issueLicense(tenure, { companyId: await createCompany(tenure), poolId });
    const admin = (await createKey(tenure, 'admin', { accessGroupIds: [groupA] })).secret;
    expect((await tenure.api('GET', `/v1/licenses/${licenseId}`, undefined, { key: admin })).status).toBe(200);
    const groups = (await tenure.api('GET', '/v1/access-groups', undefined, { key: admin })).body.data.map((group: { id: string }) => group.id);
    expect(groups.sort()).toEqual([groupA, child].sort());
    const topLevel = await tenure.api('POST', '/v1/access-groups', { name: 'Escape' }, { key: admin });
    expect(topLevel.status).toBe(422);
    expect(topLevel.body.field).toBe('parentId');
    expect((await tenure.api('POST', '/v1/access-groups', { name: 'Grandchild', parentId: child }, { key: admin })).status).toBe(201);
  });

  it('moves a pool only between groups it may use', async () => {
    const mine = await createAccessGroup(tenure, 'Mine');
    const theirs = await createAccessGroup(tenure, 'Theirs');
    const poolId = await createPool(tenure, 'My pool', mine);
    const admin = (await createKey(tenure, 'admin', { accessGroupIds: [mine] })).secret;
    const answer = await tenure.api('POST', `/v1/pools/${poolId}/move`, { accessGroupId: theirs }, { key: admin });
    expect(answer.status).toBe(422);
    expect(answer.body.field).toBe('accessGroupId');
    expect((await tenure.api('GET', `/v1/pools/${poolId}`)).body.accessGroupId).toBe(mine);
  });
});
