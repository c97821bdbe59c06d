// Set-up of source tests: sources made through the API against the local fakes, syncs run and
// followed to their end, and a fingerprint of every row a sync could write.
import { expect } from 'vitest';
import { sql } from 'drizzle-orm';
import { eventually, type Tenure } from '../support/tenure.js';

export async function createSource(tenure: Tenure, body: Record<string, unknown>): Promise<string> {
  const answer = await tenure.api('POST', '/v1/sources', { name: 'Upstream', accountType: 'msp', ...body });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id;
}

export async function startSync(tenure: Tenure, sourceId: string): Promise<string> {
  const answer = await tenure.api('POST', `/v1/sources/${sourceId}/sync`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(202);
  expect(answer.headers.get('location')).toBe(`/v1/operations/${answer.body.operationId}`);
  return answer.body.operationId;
}

export const untilSyncEnds = (tenure: Tenure, operationId: string, timeoutMs = 90_000) =>
  eventually(
    async () => (await tenure.api('GET', `/v1/operations/${operationId}`)).body,
    (operation) => operation.status !== 'running',
    { timeoutMs, intervalMs: 250 },
  );

/** Runs one sync to its end and answers its counts, failing with the operation when it did not succeed. */
export async function sync(tenure: Tenure, sourceId: string, timeoutMs?: number): Promise<Record<string, number>> {
  const operation = await untilSyncEnds(tenure, await startSync(tenure, sourceId), timeoutMs);
  expect(operation.status, JSON.stringify(operation)).toBe('succeeded');
  return operation.result;
}

/** Tables a sync writes to. */
const recordTables = ['companies', 'licenses', 'pools', 'access_groups', 'audit_log', 'source_companies', 'source_licenses', 'source_pools', 'source_subscriptions'];

/** Every row's physical version (xmin changes on any update) in the tables a sync writes: equal fingerprints mean nothing was written. */
export async function recordFingerprint(tenure: Tenure): Promise<string[]> {
  const parts: string[] = [];
  for (const table of recordTables) {
    const rows = await tenure.db.execute<{ version: string }>(sql.raw(`select ctid::text || ':' || xmin::text as version from ${table} order by 1`));
    parts.push(`${table}=${rows.map((row) => row.version).join(',')}`);
  }
  return parts;
}

export async function licensesOfSource(tenure: Tenure, sourceId: string): Promise<any[]> {
  const answer = await tenure.api('GET', `/v1/licenses?sourceId=${sourceId}&limit=500`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.data;
}
