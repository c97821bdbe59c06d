import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditLog, outbox } from '../../db/schema.js';
import { keepHistory } from '../support/histories.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { visibleAs } from '../support/visibility.js';
import { createCompany, createPolicy, inSeconds } from '../support/setup.js';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure();
});
afterAll(() => tenure?.close());

const stateOf = async (id: string) => (await tenure.api('GET', `/v1/licenses/${id}`)).body.state as string;

describe('license lifecycle on durable timers', () => {
  it('R11, R12, R19: active → grace → suspended → deleted on time, each notice recorded once, visible in the API and in Temporal', async () => {
    const policyId = await createPolicy(tenure, { grace: 'PT4S', suspension: 'PT6S', expiryNotices: ['PT4S', 'PT2S'], deletionNotice: 'PT3S' });
    const companyId = await createCompany(tenure);
    const issuedAt = Date.now();
    const issued = await tenure.api('POST', '/v1/licenses', {
      companyId, product: 'endpoint-protection', seats: 25, term: 'annual', expiresAt: inSeconds(6), policyId,
    });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ state: 'active', protected: true, tag: 'Acme Corp', nextDeadline: { event: 'license.expiring' } });
    const id = issued.body.id as string;
    await visibleAs(tenure, 'license', id, 'active');

    const seen: { state: string; at: number }[] = [];
    await eventually(async () => {
      const state = await stateOf(id);
      if (seen.at(-1)?.state !== state) seen.push({ state, at: Date.now() - issuedAt });
      return state;
    }, (state) => state === 'deleted', { timeoutMs: 40_000, intervalMs: 100 });

    expect(seen.map((step) => step.state)).toEqual(['active', 'grace', 'suspended', 'deleted']);
    const at = Object.fromEntries(seen.map((step) => [step.state, step.at / 1000]));
    expect(at.grace).toBeGreaterThanOrEqual(5.5);
    expect(at.grace).toBeLessThan(9);
    expect(at.suspended).toBeGreaterThanOrEqual(9.5);
    expect(at.suspended).toBeLessThan(13);
    expect(at.deleted).toBeGreaterThanOrEqual(15.5);
    expect(at.deleted).toBeLessThan(19);
    await visibleAs(tenure, 'license', id, 'deleted');
    await keepHistory('license-full-cycle', tenure.client, `license:${id}`);

    const notices = await tenure.db.select().from(outbox).where(eq(outbox.subjectId, id));
    expect(notices.map((notice) => `${notice.kind}${notice.offset ? `:${notice.offset}` : ''}`).sort()).toEqual(
      ['deleted', 'deletion_warning', 'expiring:PT2S', 'expiring:PT4S', 'grace_halfway', 'grace_started', 'suspended'].sort(),
    );
    const entries = await tenure.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.subjectId, id)).orderBy(auditLog.id);
    const actions = entries.map((row) => row.action);
    expect(actions.filter((action) => action.startsWith('license.'))).toEqual([
      'license.issued', 'license.expiring', 'license.expiring', 'license.grace_started', 'license.grace_halfway',
      'license.suspended', 'license.deletion_warning', 'license.deleted',
    ]);
    // Each notice was delivered to the catcher once (R19).
    await eventually(async () => (await tenure.db.select().from(auditLog).where(and(eq(auditLog.subjectId, id), eq(auditLog.action, 'notice.sent')))).length, (sent) => sent >= 7);
    expect((await tenure.db.select().from(auditLog).where(and(eq(auditLog.subjectId, id), eq(auditLog.action, 'notice.sent')))).length).toBe(7);
  });

  it('issue 13: the history ops read in the Temporal UI upserts the state at each change of state, and nothing else', async () => {
    const policyId = await createPolicy(tenure, { grace: 'PT2S', suspension: 'PT2S', expiryNotices: ['PT1S'], deletionNotice: 'PT1S' });
    const issued = await tenure.api('POST', '/v1/licenses', { companyId: await createCompany(tenure), product: 'endpoint-protection', seats: 5, term: 'annual', expiresAt: inSeconds(2), policyId });
    expect(issued.status).toBe(201);
    const id = issued.body.id as string;
    // A deleted license's workflow closes once its last notice is out: its whole history is written.
    const workflow = tenure.client.workflow.getHandle(`license:${id}`);
    await workflow.result();

    // The API set every attribute at start; each later upsert is an event and a visibility write.
    const history = await workflow.fetchHistory();
    const upserts = (history.events ?? []).flatMap((event) => {
      const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
      return fields ? [Object.keys(fields)] : [];
    });
    expect(upserts).toEqual([['LicenseState'], ['LicenseState'], ['LicenseState']]);
    // No patch marker either: the run's code generation is in its input.
    expect((history.events ?? []).filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_patch')).toEqual([]);
  });
});
