import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTenure, type Tenure } from '../support/tenure.js';
import { createCompany, createKey, createManagedPartner, issueLicense } from '../support/setup.js';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure();
});
afterAll(() => tenure?.close());

interface Entry {
  id: string;
  subjectType: string;
  subjectId: string;
  action: string;
  actor: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  at: string;
}

const auditOf = async (query: string, key?: string) => {
  const answer = await tenure.api('GET', `/v1/audit?${query}`, undefined, { key });
  expect(answer.status).toBe(200);
  return answer.body as { data: Entry[]; next: string | null };
};

describe('audit log (R32)', () => {
  it('R32: every transition, operation and key change is readable with actor, time, before and after, filtered by subject', async () => {
    const operator = await createKey(tenure, 'operator');
    const companyId = await createCompany(tenure, { name: 'Audited Ltd' }, { key: tenure.adminKey });
    const licenseId = await issueLicense(tenure, { companyId }, { key: operator.secret });
    expect((await tenure.api('POST', `/v1/licenses/${licenseId}/renew`, { duration: 'P1Y' }, { key: operator.secret })).status).toBe(200);

    const { data } = await auditOf(`subject=${licenseId}`);
    expect(data.map((entry) => entry.action)).toEqual(['license.issued', 'license.renewed']);
    const renewed = data[1]!;
    expect(renewed).toMatchObject({ subjectType: 'license', subjectId: licenseId, actor: `api-key:${operator.id}` });
    expect(renewed.before).toMatchObject({ state: 'active' });
    expect(renewed.after).toMatchObject({ state: 'active' });
    expect(renewed.before!.expiresAt).not.toEqual(renewed.after!.expiresAt);
    expect(Date.parse(renewed.at)).toBeGreaterThanOrEqual(Date.parse(data[0]!.at));

    const keyEntries = await auditOf(`subject=${operator.id}`);
    expect(keyEntries.data).toEqual([expect.objectContaining({ action: 'api_key.created', subjectType: 'api_key', after: expect.objectContaining({ role: 'operator' }) })]);
  });

  it('R32: filters by action, action family and time, and pages oldest first with a cursor', async () => {
    const before = new Date().toISOString();
    const viewer = await createKey(tenure, 'viewer');
    await tenure.api('DELETE', `/v1/api-keys/${viewer.id}`);
    await tenure.api('POST', '/v1/access-groups', { name: 'Audited group' });

    const keyChanges = await auditOf(`action=api_key.*&since=${encodeURIComponent(before)}`);
    expect(keyChanges.data.map((entry) => entry.action)).toEqual(['api_key.created', 'api_key.revoked']);
    expect(keyChanges.data.every((entry) => entry.subjectId === viewer.id)).toBe(true);
    expect((await auditOf('action=api_key.revoked')).data.map((entry) => entry.subjectId)).toContain(viewer.id);
    expect((await auditOf(`since=${encodeURIComponent(before)}`)).data.map((entry) => entry.action)).toEqual(['api_key.created', 'api_key.revoked', 'access_group.created']);
    expect((await auditOf('subjectType=access_group')).data).toHaveLength(1);

    const everything = await auditOf('limit=500');
    const paged: Entry[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: Entry[]; next: string | null } = await auditOf(`limit=2${cursor ? `&after=${cursor}` : ''}`);
      expect(page.data.length).toBeLessThanOrEqual(2);
      paged.push(...page.data);
      cursor = page.next;
    } while (cursor);
    expect(paged).toEqual(everything.data);
    expect(paged.map((entry) => Number(entry.id))).toEqual([...paged.map((entry) => Number(entry.id))].sort((a, b) => a - b));
  });

  it("R1, R32: a partner reads only its own log; a viewer may read it; nothing can change it", async () => {
    const child = await createManagedPartner(tenure, 'Audited child');
    const childLog = await auditOf('limit=500', child.adminKey.secret);
    expect(childLog.data.map((entry) => entry.action)).toEqual(['api_key.created']);
    const parentLog = await auditOf('limit=500');
    expect(parentLog.data.map((entry) => entry.subjectId)).toContain(child.id);
    expect(parentLog.data.map((entry) => entry.subjectId)).not.toContain(child.adminKey.id);

    const viewer = await createKey(tenure, 'viewer');
    expect((await tenure.api('GET', '/v1/audit', undefined, { key: viewer.secret })).status).toBe(200);
    const entryId = parentLog.data[0]!.id;
    for (const method of ['PATCH', 'PUT', 'DELETE']) {
      expect((await tenure.api(method, '/v1/audit', {})).status, method).toBe(405);
      expect((await tenure.api(method, `/v1/audit/${entryId}`, {})).status, method).toBe(404);
    }
  });

  it('R32: a bad filter is a 422 naming it', async () => {
    const bad = async (query: string) => (await tenure.api('GET', `/v1/audit?${query}`)).body;
    expect(await bad('limit=0')).toMatchObject({ status: 422, field: 'limit' });
    expect(await bad('since=yesterday')).toMatchObject({ status: 422, field: 'since' });
    expect(await bad('after=abc')).toMatchObject({ status: 422, field: 'after' });
    expect(await bad('action=license.%25')).toMatchObject({ status: 422, field: 'action' });
    expect(await bad('actor=me')).toMatchObject({ status: 422, field: 'actor' });
  });
});
