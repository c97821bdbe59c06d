// `npm run bench`: how long moving a pool of 1,000 licenses takes, from POST /v1/pools/:id/move
// until its operation has succeeded (pool and licenses moved in one transaction, every license
// workflow told), and until Temporal's visibility lists all 1,000 in the new group.
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { startTenure, type Tenure } from '../test/support/tenure.js';
import { createCompany } from '../test/support/setup.js';
import { createAccessGroup, createPool, fillPool, startMove, untilOperation, untilVisibleInGroup } from '../test/pool/helpers.js';
import { record, round, times } from './results.js';

const LICENSES = 1000;
let tenure: Tenure;
let poolId: string;
const groups: string[] = [];
let moves = 0;
const succeededAfterMs: number[] = [];

beforeAll(async () => {
  tenure = await startTenure();
  groups.push(await createAccessGroup(tenure, 'Bench A'), await createAccessGroup(tenure, 'Bench B'));
  poolId = await createPool(tenure, 'Bench pool', groups[0]!);
  await fillPool(tenure, poolId, await createCompany(tenure, { name: 'Bench Corp' }), LICENSES);
  await untilVisibleInGroup(tenure, groups[0]!, LICENSES, 300_000);
});

afterAll(async () => {
  const average = succeededAfterMs.reduce((sum, ms) => sum + ms, 0) / Math.max(1, succeededAfterMs.length);
  if (succeededAfterMs.length) await record('M1', { figure: `move a pool of ${LICENSES} licenses: operation succeeded after, average of ${succeededAfterMs.length}`, tenure: round(average / 1000, 2), unit: 's' });
  await tenure.close();
});

describe(`move a pool of ${LICENSES} licenses to another access group`, () => {
  bench(
    'Tenure: POST /v1/pools/:id/move until Temporal lists all of them in the new group',
    async () => {
      const started = performance.now();
      const target = groups[++moves % 2]!;
      await untilOperation(tenure, await startMove(tenure, poolId, target), 'succeeded', { timeoutMs: 300_000 });
      succeededAfterMs.push(performance.now() - started);
      await untilVisibleInGroup(tenure, target, LICENSES, 300_000);
    },
    // Two moves, there and back: the 20-minute budget of the whole bench (issue 13).
    times(2),
  );
});
