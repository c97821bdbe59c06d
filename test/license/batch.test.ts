// POST /v1/licenses/batch: many licenses in one request, each issued as POST /v1/licenses issues
// one and readable the moment the answer arrives; items fail on their own; one Idempotency-Key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { licenses } from '../../db/schema.js';
import { startTenure, type Tenure } from '../support/tenure.js';
import { createCompany, inSeconds } from '../support/setup.js';

let tenure: Tenure;
let companyId: string;
beforeAll(async () => {
  tenure = await startTenure();
  companyId = await createCompany(tenure);
});
afterAll(() => tenure?.close());

const item = (fields: Record<string, unknown> = {}) => ({ companyId, product: 'endpoint-protection', seats: 5, term: 'annual', expiresAt: inSeconds(86_400), ...fields });

describe('POST /v1/licenses/batch', () => {
  it('issues every item and answers each with its state, readable at once (read-your-writes)', async () => {
    const answer = await tenure.api('POST', '/v1/licenses/batch', { items: Array.from({ length: 40 }, () => item()) });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ issued: 40, failed: 0 });
    const results = answer.body.results as { index: number; status: number; license: { id: string; state: string } }[];
    expect(results.map((result) => result.index)).toEqual([...Array(40).keys()]);
    for (const result of results) expect(result).toMatchObject({ status: 201, license: { state: 'active' } });
    const reads = await Promise.all(results.map((result) => tenure.api('GET', `/v1/licenses/${result.license.id}`)));
    for (const read of reads) expect(read).toMatchObject({ status: 200, body: { state: 'active', seats: 5 } });
  });

  it('fails only the items whose company does not exist, each with the problem POST /v1/licenses would answer', async () => {
    const answer = await tenure.api('POST', '/v1/licenses/batch', { items: [item(), item({ companyId: crypto.randomUUID() }), item({ term: 'trial', expiresAt: undefined })] });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ issued: 2, failed: 1 });
    expect(answer.body.results[0]).toMatchObject({ status: 201, license: { state: 'active' } });
    expect(answer.body.results[1]).toMatchObject({ index: 1, status: 422, problem: { code: 'invalid_input', field: 'companyId' } });
    expect(answer.body.results[2]).toMatchObject({ status: 201, license: { state: 'trial' } });
  });

  it('refuses the whole request with 422 naming the item when one is invalid, or when there are more than 1,000', async () => {
    const invalid = await tenure.api('POST', '/v1/licenses/batch', { items: [item(), item({ seats: 0 })] });
    expect(invalid.status).toBe(422);
    expect(invalid.body.field).toMatch(/^items\.1\.seats$|^items\[1\]\.seats$|items.*1.*seats/);
    const tooMany = await tenure.api('POST', '/v1/licenses/batch', { items: Array.from({ length: 1_001 }, () => item()) });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.field).toMatch(/^items/);
  });

  it('issues nothing twice when retried with the same Idempotency-Key, and answers the first answer again', async () => {
    const key = `batch-${crypto.randomUUID()}`;
    const tag = `idempotent-${key}`;
    const body = { items: Array.from({ length: 10 }, () => item({ tag })) };
    const first = await tenure.api('POST', '/v1/licenses/batch', body, { headers: { 'Idempotency-Key': key } });
    const again = await tenure.api('POST', '/v1/licenses/batch', body, { headers: { 'Idempotency-Key': key } });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await tenure.db.select({ id: licenses.id }).from(licenses).where(eq(licenses.tag, tag))).toHaveLength(10);
  });
});
