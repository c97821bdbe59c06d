// Set-up of pool tests: access groups, pools filled with licenses, and moves followed to their end.
import { expect } from 'vitest';
import { issueLicense, type As } from '../support/setup.js';
import { eventually, type Tenure } from '../support/tenure.js';

export async function createAccessGroup(tenure: Tenure, name: string, fields: Record<string, unknown> = {}, as: As = {}): Promise<string> {
  const answer = await tenure.api('POST', '/v1/access-groups', { name, ...fields }, as);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id;
}

export async function createPool(tenure: Tenure, name: string, accessGroupId: string, as: As = {}): Promise<string> {
  const answer = await tenure.api('POST', '/v1/pools', { name, accessGroupId }, as);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id;
}

/** Issues `count` licenses into the pool through the API, a few at a time as a partner portal would. */
export async function fillPool(tenure: Tenure, poolId: string, companyId: string, count: number, concurrency = 16): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const issuer = async () => {
    while (next < count) {
      next += 1;
      ids.push(await issueLicense(tenure, { companyId, poolId, seats: 1 }));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, issuer));
  return ids;
}

/** Starts a move and answers its operation id. */
export async function startMove(tenure: Tenure, poolId: string, accessGroupId: string, as: As = {}): Promise<string> {
  const answer = await tenure.api('POST', `/v1/pools/${poolId}/move`, { accessGroupId }, as);
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  expect(answer.headers.get('location')).toBe(`/v1/operations/${answer.body.operationId}`);
  return answer.body.operationId;
}

export const untilOperation = (tenure: Tenure, operationId: string, status: 'succeeded' | 'failed', { timeoutMs = 60_000, intervalMs = 200 } = {}) =>
  eventually(
    async () => (await tenure.api('GET', `/v1/operations/${operationId}`)).body,
    (operation) => operation.status === status,
    { timeoutMs, intervalMs },
  );

/** Temporal's own count of license workflows in the group: the query ops run in the UI. */
export const untilVisibleInGroup = (tenure: Tenure, accessGroupId: string, expected: number, timeoutMs = 60_000) =>
  eventually(
    async () => (await tenure.client.workflow.count(`AccessGroupId = '${accessGroupId}' AND WorkflowType = 'licenseLifecycle'`)).count,
    (count) => count === expected,
    { timeoutMs, intervalMs: 500 },
  );
