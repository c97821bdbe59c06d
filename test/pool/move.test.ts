// R5, R25: a pool of 1,000 licenses moves as one, even when the worker dies in the middle of it.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createCompany } from '../support/setup.js';
import { startWorkerProcess } from '../support/spawn-worker.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { createAccessGroup, createPool, fillPool, startMove, untilOperation, untilVisibleInGroup } from './helpers.js';

const LICENSES = 1000;

let tenure: Tenure;
let worker: ChildProcess | undefined;
beforeAll(async () => {
  tenure = await startTenure({ worker: false });
  worker = await startWorkerProcess(tenure);
});
afterAll(async () => {
  worker?.kill('SIGKILL');
  await tenure?.close();
});

/** How many of the pool's licenses sit in each access group, as the database holds them. */
async function groupsOfPool(poolId: string): Promise<Record<string, number>> {
  const rows = await tenure.db.execute<{ access_group_id: string; licenses: number }>(
    sql`select access_group_id, count(*)::int as licenses from licenses where pool_id = ${poolId} group by access_group_id`,
  );
  return Object.fromEntries(rows.map((row) => [row.access_group_id, row.licenses]));
}

describe('R5: a whole pool moves, never part of it', () => {
  it('moves 1,000 licenses at once; a worker killed mid-move leaves all in one group, and the move completes after restart', async () => {
    const from = await createAccessGroup(tenure, 'Reseller A');
    const to = await createAccessGroup(tenure, 'Customer B');
    const poolId = await createPool(tenure, 'Customer B licenses', from);
    const companyId = await createCompany(tenure, { name: 'Customer B' });
    await fillPool(tenure, poolId, companyId, LICENSES);
    expect((await tenure.api('GET', `/v1/pools/${poolId}`)).body).toMatchObject({ accessGroupId: from, licenses: LICENSES });
    await untilVisibleInGroup(tenure, from, LICENSES);

    const operationId = await startMove(tenure, poolId, to);
    // The moment the move is committed the worker dies, while it tells the license workflows.
    await eventually(async () => (await tenure.api('GET', `/v1/operations/${operationId}`)).body, (operation) => operation.progress.total !== null, { intervalMs: 20 });
    worker!.kill('SIGKILL');
    worker = undefined;
    const killed = (await tenure.api('GET', `/v1/operations/${operationId}`)).body;
    expect(killed).toMatchObject({ kind: 'pool_move', status: 'running', progress: { total: LICENSES } });
    expect(Object.values(await groupsOfPool(poolId))).toEqual([LICENSES]);

    worker = await startWorkerProcess(tenure);
    const done = await untilOperation(tenure, operationId, 'succeeded', { timeoutMs: 120_000 });
    expect(done).toMatchObject({
      kind: 'pool_move',
      progress: { done: LICENSES, total: LICENSES },
      result: { fromAccessGroupId: from, toAccessGroupId: to, licenses: LICENSES },
      error: null,
    });
    expect(done.result.warning).toMatch(/installers/i);
    expect(await groupsOfPool(poolId)).toEqual({ [to]: LICENSES });
    expect((await tenure.api('GET', `/v1/pools/${poolId}`)).body).toMatchObject({ accessGroupId: to, licenses: LICENSES });
    await untilVisibleInGroup(tenure, to, LICENSES, 120_000);
    await untilVisibleInGroup(tenure, from, 0);

    const audit = (await tenure.api('GET', `/v1/audit?subject=${poolId}&action=pool.moved`)).body.data;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ before: { accessGroupId: from }, after: { toAccessGroupId: to, licenses: LICENSES } });
  }, 600_000);
});
