import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { companies, idempotencyKeys, licenses } from '../../db/schema.js';
import { startFakeJsonFeed } from '../fakes/json-feed.js';
import { startTenure, type Tenure } from '../support/tenure.js';
import { createCompany, createManagedPartner } from '../support/setup.js';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure();
});
afterAll(() => tenure?.close());

const withKey = (key: string, apiKey?: string) => ({ headers: { 'idempotency-key': key }, ...(apiKey ? { key: apiKey } : {}) });
const companiesNamed = async (name: string) => (await tenure.db.select().from(companies).where(eq(companies.name, name))).length;

describe('Idempotency-Key on POST', () => {
  it('the same key and body within 24 h answer the first answer again, marked as replayed, without executing twice', async () => {
    const body = { name: 'Replay Ltd', locale: 'fr', noticeEmails: ['it@replay.test'] };
    const first = await tenure.api('POST', '/v1/companies', body, withKey('create-replay-ltd'));
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    // The same body with its keys in another order is the same request.
    const again = await tenure.api('POST', '/v1/companies', { noticeEmails: ['it@replay.test'], locale: 'fr', name: 'Replay Ltd' }, withKey('create-replay-ltd'));
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    expect(await companiesNamed('Replay Ltd')).toBe(1);
  });

  it('the same key with another body answers 422 naming Idempotency-Key, and changes nothing', async () => {
    expect((await tenure.api('POST', '/v1/companies', { name: 'Original Ltd' }, withKey('reused-key'))).status).toBe(201);
    const reused = await tenure.api('POST', '/v1/companies', { name: 'Impostor Ltd' }, withKey('reused-key'));
    expect(reused).toMatchObject({ status: 422, body: { code: 'invalid_input', field: 'Idempotency-Key' } });
    expect(await companiesNamed('Impostor Ltd')).toBe(0);
    const otherRoute = await tenure.api('POST', '/v1/access-groups', { name: 'Original Ltd' }, withKey('reused-key'));
    expect(otherRoute).toMatchObject({ status: 422, body: { field: 'Idempotency-Key' } });
  });

  it('concurrent duplicates never both execute: one license is issued, the others wait (409) or get its answer', async () => {
    const companyId = await createCompany(tenure, { name: 'Concurrent Ltd' }, { key: tenure.adminKey });
    const body = { companyId, product: 'edr', seats: 5, term: 'annual', duration: 'P1Y' };
    const answers = await Promise.all(Array.from({ length: 6 }, () => tenure.api('POST', '/v1/licenses', body, withKey('issue-concurrently'))));

    expect(await tenure.db.select().from(licenses).where(eq(licenses.companyId, companyId))).toHaveLength(1);
    const issued = answers.filter((answer) => answer.status === 201);
    const waiting = answers.filter((answer) => answer.status === 409);
    expect(issued.length + waiting.length).toBe(answers.length);
    expect(new Set(issued.map((answer) => answer.body.id)).size).toBe(1);
    for (const answer of waiting) expect(answer.body).toMatchObject({ code: 'idempotency_in_progress' });

    const replayed = await tenure.api('POST', '/v1/licenses', body, withKey('issue-concurrently'));
    expect(replayed).toMatchObject({ status: 201, body: { id: issued[0]!.body.id } });
    expect(replayed.headers.get('location')).toBe(`/v1/licenses/${issued[0]!.body.id}`);
  });

  it('a failed answer is kept and replayed too, so a retry cannot repeat an effect it may have had', async () => {
    const first = await tenure.api('POST', `/v1/licenses/${crypto.randomUUID()}/renew`, { duration: 'P1Y' }, withKey('renew-missing'));
    expect(first.status).toBe(404);
    const again = await tenure.api('POST', first.body.instance, { duration: 'P1Y' }, withKey('renew-missing'));
    expect(again).toMatchObject({ status: 404, body: { requestId: first.body.requestId } });
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('a 503 asks the caller to come back, so it is not kept: the retry with the same key runs again, and its answer is the one kept', async () => {
    const feed = await startFakeJsonFeed({ companies: 1, licensesPerCompany: 1 });
    try {
      feed.fail(1, { status: 503 });
      const body = { name: 'Feed back soon', vendor: 'json_feed', accountType: 'msp', baseUrl: feed.url, credentials: {} };
      const first = await tenure.api('POST', '/v1/sources', body, withKey('source-while-down'));
      expect(first).toMatchObject({ status: 503, body: { code: 'upstream_unavailable' } });

      const again = await tenure.api('POST', '/v1/sources', body, withKey('source-while-down'));
      expect(again.status, JSON.stringify(again.body)).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBeNull();

      const replayed = await tenure.api('POST', '/v1/sources', body, withKey('source-while-down'));
      expect(replayed).toMatchObject({ status: 201, body: { id: again.body.id } });
      expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    } finally {
      await feed.close();
    }
  });

  it('keys belong to a partner: another partner using the same key executes its own request', async () => {
    const other = await createManagedPartner(tenure, 'Other MSP');
    const mine = await tenure.api('POST', '/v1/companies', { name: 'Shared Key Ltd' }, withKey('shared-key'));
    const theirs = await tenure.api('POST', '/v1/companies', { name: 'Shared Key Ltd' }, withKey('shared-key', other.adminKey.secret));
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
  });

  it('after 24 h a key is free again, and a claim left by a crashed request is taken over', async () => {
    expect((await tenure.api('POST', '/v1/companies', { name: 'Yesterday Ltd' }, withKey('daily-key'))).status).toBe(201);
    await tenure.db.update(idempotencyKeys).set({ createdAt: sql`now() - interval '25 hours'` }).where(eq(idempotencyKeys.key, 'daily-key'));
    const today = await tenure.api('POST', '/v1/companies', { name: 'Today Ltd' }, withKey('daily-key'));
    expect(today.status).toBe(201);
    expect(today.headers.get('idempotent-replayed')).toBeNull();

    const { partnerId } = (await tenure.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, 'daily-key')))[0]!;
    await tenure.db.insert(idempotencyKeys).values({ partnerId, key: 'crashed-key', requestHash: 'of a request that died', createdAt: sql`now() - interval '10 minutes'` });
    expect((await tenure.api('POST', '/v1/companies', { name: 'Recovered Ltd' }, withKey('crashed-key'))).status).toBe(201);
    const [kept] = await tenure.db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.partnerId, partnerId), eq(idempotencyKeys.key, 'crashed-key')));
    expect(kept).toMatchObject({ status: 201, completedAt: expect.any(Date) });
  });

  it('a malformed Idempotency-Key is a 422 naming it; POSTs without one are not remembered', async () => {
    expect(await tenure.api('POST', '/v1/companies', { name: 'x' }, withKey('has spaces'))).toMatchObject({ status: 422, body: { field: 'Idempotency-Key' } });
    expect(await tenure.api('POST', '/v1/companies', { name: 'x' }, withKey('k'.repeat(256)))).toMatchObject({ status: 422, body: { field: 'Idempotency-Key' } });
    expect((await tenure.api('POST', '/v1/companies', { name: 'Twice Ltd' })).status).toBe(201);
    expect((await tenure.api('POST', '/v1/companies', { name: 'Twice Ltd' })).status).toBe(201);
    expect(await companiesNamed('Twice Ltd')).toBe(2);
  });
});
