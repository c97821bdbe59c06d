// Pools and access groups through the API: where a license lands (R5), one move per pool at a
// time, a license that never moves alone, its editable tag (R8), and the tree without cycles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { licenses, pools } from '../../db/schema.js';
import { createCompany, issueLicense } from '../support/setup.js';
import { startTenure, type Tenure } from '../support/tenure.js';
import { createAccessGroup, createPool, startMove, untilOperation } from './helpers.js';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure();
});
afterAll(() => tenure?.close());

describe('R5: every license is in a pool, and the pool is in an access group', () => {
  it("a license issued without poolId lands in its company's default pool, made on first use", async () => {
    const companyId = await createCompany(tenure, { name: 'Default Corp' });
    const first = (await tenure.api('GET', `/v1/licenses/${await issueLicense(tenure, { companyId })}`)).body;
    const second = (await tenure.api('GET', `/v1/licenses/${await issueLicense(tenure, { companyId })}`)).body;
    expect(first.poolId).toBeTruthy();
    expect(second).toMatchObject({ poolId: first.poolId, accessGroupId: first.accessGroupId });
    const pool = (await tenure.api('GET', `/v1/pools/${first.poolId}`)).body;
    expect(pool).toMatchObject({ name: 'Default Corp', defaultForCompanyId: companyId, accessGroupId: first.accessGroupId, licenses: 2 });
    const group = (await tenure.api('GET', `/v1/access-groups/${first.accessGroupId}`)).body;
    expect(group).toMatchObject({ name: 'Default', defaultForPools: true });
  });

  it("a company's default pool is made in the group the partner chose for default pools", async () => {
    const chosen = await createAccessGroup(tenure, 'New customers', { defaultForPools: true });
    const companyId = await createCompany(tenure, { name: 'Chosen Corp' });
    const license = (await tenure.api('GET', `/v1/licenses/${await issueLicense(tenure, { companyId })}`)).body;
    expect(license.accessGroupId).toBe(chosen);
  });

  it('a license issued into a named pool carries that pool and its group', async () => {
    const group = await createAccessGroup(tenure, 'Named');
    const poolId = await createPool(tenure, 'Named pool', group);
    const companyId = await createCompany(tenure);
    const license = (await tenure.api('GET', `/v1/licenses/${await issueLicense(tenure, { companyId, poolId })}`)).body;
    expect(license).toMatchObject({ poolId, accessGroupId: group });
    const listed = (await tenure.api('GET', '/v1/pools')).body.data.find((pool: { id: string }) => pool.id === poolId);
    expect(listed).toMatchObject({ accessGroupId: group, licenses: 1 });
  });

  it('R5: a license never leaves its pool: PATCH with poolId or accessGroupId answers 422 naming R5; the tag is editable (R8)', async () => {
    const companyId = await createCompany(tenure, { name: 'Tagged Corp' });
    const licenseId = await issueLicense(tenure, { companyId });
    for (const field of ['poolId', 'accessGroupId']) {
      const refused = await tenure.api('PATCH', `/v1/licenses/${licenseId}`, { [field]: crypto.randomUUID() });
      expect(refused.status).toBe(422);
      expect(refused.body.field).toBe(field);
      expect(refused.body.detail).toMatch(/R5/);
    }
    const edited = await tenure.api('PATCH', `/v1/licenses/${licenseId}`, { tag: 'Tagged Corp (HQ)' });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.tag).toBe('Tagged Corp (HQ)');
    await tenure.api('PATCH', `/v1/companies/${companyId}`, { name: 'Renamed Corp' });
    expect((await tenure.api('GET', `/v1/licenses/${licenseId}`)).body.tag).toBe('Tagged Corp (HQ)');
  });
});

describe('R5, R25: moving a pool', () => {
  it('one move per pool at a time: a second request while one runs answers 409 naming the running operation', async () => {
    const from = await createAccessGroup(tenure, 'Busy from');
    const to = await createAccessGroup(tenure, 'Busy to');
    const poolId = await createPool(tenure, 'Busy pool', from);
    await issueLicense(tenure, { companyId: await createCompany(tenure), poolId });
    // No worker runs the first move, so it is certainly still running when the second comes.
    await tenure.stopWorker();
    let running: string;
    try {
      running = await startMove(tenure, poolId, to);
      const second = await tenure.api('POST', `/v1/pools/${poolId}/move`, { accessGroupId: to });
      expect(second.status).toBe(409);
      expect(second.body).toMatchObject({ code: 'move_running', operationId: running });
      expect((await tenure.api('GET', `/v1/operations/${running}`)).body).toMatchObject({ kind: 'pool_move', status: 'running' });
    } finally {
      await tenure.startWorker();
    }
    await untilOperation(tenure, running, 'succeeded');
    // Once a move says it succeeded, the pool may move again at once, though its workflow may still be
    // closing: followed closely, as a script would, each next move starts the moment the last succeeded.
    for (const destination of [from, to, from, to, from]) {
      await untilOperation(tenure, await startMove(tenure, poolId, destination), 'succeeded', { intervalMs: 5 });
    }
  });

  it("R25: a finished move says where from and where to, and warns about the old group's installers and users", async () => {
    const from = await createAccessGroup(tenure, 'Old home');
    const to = await createAccessGroup(tenure, 'New home');
    const poolId = await createPool(tenure, 'Moving pool', from);
    const licenseId = await issueLicense(tenure, { companyId: await createCompany(tenure), poolId });
    const done = await untilOperation(tenure, await startMove(tenure, poolId, to), 'succeeded');
    expect(done.result).toMatchObject({ fromAccessGroupId: from, toAccessGroupId: to, licenses: 1 });
    expect(done.result.warning).toMatch(/installers/i);
    expect((await tenure.api('GET', `/v1/licenses/${licenseId}`)).body).toMatchObject({ poolId, accessGroupId: to });
  });

  it('R5: licenses issued into a pool while it moves all end in the group it moved to', async () => {
    const companyId = await createCompany(tenure);
    const groups = [await createAccessGroup(tenure, 'Racing from'), await createAccessGroup(tenure, 'Racing to')];
    const poolId = await createPool(tenure, 'Racing pool', groups[0]!);
    for (const destination of [groups[1]!, groups[0]!, groups[1]!]) {
      const [operationId, ...issued] = await Promise.all([
        startMove(tenure, poolId, destination),
        ...Array.from({ length: 12 }, () => issueLicense(tenure, { companyId, poolId, seats: 1 })),
      ]);
      await untilOperation(tenure, operationId!, 'succeeded');
      const placed = await Promise.all(issued.map(async (id) => (await tenure.api('GET', `/v1/licenses/${id}`)).body.accessGroupId));
      expect(placed, `moved to ${destination}`).toEqual(issued.map(() => destination));
    }
  });

  it('moving to the group the pool is in, or to a group that does not exist, answers 422 naming accessGroupId', async () => {
    const group = await createAccessGroup(tenure, 'Staying');
    const poolId = await createPool(tenure, 'Staying pool', group);
    for (const accessGroupId of [group, crypto.randomUUID()]) {
      const answer = await tenure.api('POST', `/v1/pools/${poolId}/move`, { accessGroupId });
      expect(answer.status).toBe(422);
      expect(answer.body.field).toBe('accessGroupId');
    }
  });
});

describe('R14: deleting a license that came from a source', () => {
  it('answers 409 listing every pool of the source; with confirm=true removes them, each license through its workflow', async () => {
    const group = await createAccessGroup(tenure, 'Synced');
    const companyId = await createCompany(tenure, { name: 'Synced Corp' });
    const poolIds = [await createPool(tenure, 'Synced pool 1', group), await createPool(tenure, 'Synced pool 2', group)];
    const licenseIds = [
      await issueLicense(tenure, { companyId, poolId: poolIds[0] }),
      await issueLicense(tenure, { companyId, poolId: poolIds[0] }),
      await issueLicense(tenure, { companyId, poolId: poolIds[1] }),
    ];
    // As a sync leaves them: the pools and their licenses name the source they came from.
    const sourceId = crypto.randomUUID();
    await tenure.db.update(pools).set({ sourceId }).where(inArray(pools.id, poolIds));
    await tenure.db.update(licenses).set({ sourceId }).where(inArray(licenses.id, licenseIds));

    const unconfirmed = await tenure.api('DELETE', `/v1/licenses/${licenseIds[0]}`);
    expect(unconfirmed.status).toBe(409);
    expect(unconfirmed.body.code).toBe('confirmation_required');
    expect(unconfirmed.body.pools.map((pool: { id: string; licenses: number }) => [pool.id, pool.licenses]).sort()).toEqual([[poolIds[0], 2], [poolIds[1], 1]].sort());
    for (const id of licenseIds) expect((await tenure.api('GET', `/v1/licenses/${id}`)).body.state).not.toBe('deleted');

    const confirmed = await tenure.api('DELETE', `/v1/licenses/${licenseIds[0]}?confirm=true`);
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body.state).toBe('deleted');
    for (const id of licenseIds) expect((await tenure.api('GET', `/v1/licenses/${id}`)).body.state).toBe('deleted');
    for (const poolId of poolIds) expect((await tenure.api('GET', `/v1/pools/${poolId}`)).body.licenses).toBe(0);
    const audited = (await tenure.api('GET', `/v1/audit?subject=${licenseIds[2]}&action=license.deleted`)).body.data;
    expect(audited).toHaveLength(1);
  });

  it('R13 before R14: a license its source forbids deleting here (msp) is refused at once, never asked to be confirmed first', async () => {
    const companyId = await createCompany(tenure, { name: 'Partner platform Corp' });
    const poolId = await createPool(tenure, 'Partner platform pool', await createAccessGroup(tenure, 'Partner platform'));
    const licenseId = await issueLicense(tenure, { companyId, poolId, accountType: 'msp' });
    // As a sync of an msp source leaves them.
    const sourceId = crypto.randomUUID();
    await tenure.db.update(pools).set({ sourceId }).where(eq(pools.id, poolId));
    await tenure.db.update(licenses).set({ sourceId }).where(eq(licenses.id, licenseId));

    for (const path of [`/v1/licenses/${licenseId}`, `/v1/licenses/${licenseId}?confirm=true`]) {
      const refused = await tenure.api('DELETE', path);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'illegal_transition', detail: expect.stringContaining('msp') });
    }
    expect((await tenure.api('GET', `/v1/licenses/${licenseId}`)).body.state).toBe('active');
  });

  it('a license issued through the API deletes alone, without confirmation', async () => {
    const licenseId = await issueLicense(tenure, { companyId: await createCompany(tenure) });
    expect((await tenure.api('DELETE', `/v1/licenses/${licenseId}`)).body.state).toBe('deleted');
  });
});

describe('access groups form a tree', () => {
  it('a group cannot become its own ancestor', async () => {
    const top = await createAccessGroup(tenure, 'Top');
    const middle = await createAccessGroup(tenure, 'Middle', { parentId: top });
    const bottom = await createAccessGroup(tenure, 'Bottom', { parentId: middle });
    for (const parentId of [top, bottom]) {
      const answer = await tenure.api('PATCH', `/v1/access-groups/${top}`, { parentId });
      expect(answer.status).toBe(422);
      expect(answer.body.field).toBe('parentId');
    }
    const reparented = await tenure.api('PATCH', `/v1/access-groups/${bottom}`, { parentId: top });
    expect(reparented.status).toBe(200);
    expect(reparented.body.parentId).toBe(top);
  });

  it('R2: two groups each made the other one\'s parent at once: one change is kept, the other answers 422, no cycle', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const [left, right] = await Promise.all([createAccessGroup(tenure, `Left ${attempt}`), createAccessGroup(tenure, `Right ${attempt}`)]);
      const answers = await Promise.all([
        tenure.api('PATCH', `/v1/access-groups/${left}`, { parentId: right }),
        tenure.api('PATCH', `/v1/access-groups/${right}`, { parentId: left }),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 422]);
      expect(answers.find((answer) => answer.status === 422)!.body.field).toBe('parentId');
    }
  });

  it('groups chosen for default pools at once: the last one chosen holds them, and none answers 500', async () => {
    const answers = await Promise.all([0, 1, 2, 3].map((index) => tenure.api('POST', '/v1/access-groups', { name: `Default ${index}`, defaultForPools: true })));
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201]);
    const chosen = (await tenure.api('GET', '/v1/access-groups')).body.data.filter((group: { defaultForPools: boolean }) => group.defaultForPools);
    expect(chosen).toHaveLength(1);
  });
});
