import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { outbox } from '../../db/schema.js';
import { pendingNoticeDeliveries, untilNoticeDeliveriesSettled } from './deliveries.js';
import { eventually } from '../support/tenure.js';
import { startTenureWithSmtp, type TenureWithSmtp } from './tenure-with-smtp.js';
import { createCompany, createPolicy, inSeconds } from '../support/setup.js';

let tenure: TenureWithSmtp;
beforeAll(async () => {
  tenure = await startTenureWithSmtp();
});
afterAll(() => tenure?.close());

describe('an SMTP outage', () => {
  it('R19: notices that fall due while the mail server is down stay pending, are retried with backoff, and each goes out once when it is back', async () => {
    const policyId = await createPolicy(tenure, { grace: 'PT60S', suspension: 'PT60S', expiryNotices: ['PT2S'], deletionNotice: 'PT10S' });
    const companyId = await createCompany(tenure, { noticeEmails: ['it@acme.test'] });
    await tenure.smtp.stop();
    const issued = await tenure.api('POST', '/v1/licenses', { companyId, product: 'endpoint-protection', seats: 5, term: 'annual', expiresAt: inSeconds(3), policyId });
    expect(issued.status).toBe(201);

    // The expiring notice (at 1 s) and grace started (at 3 s) fall due during the outage.
    const pending = await eventually(
      () => tenure.db.select().from(outbox).where(eq(outbox.subjectId, issued.body.id)),
      (rows) => rows.length === 2,
    );
    const keys = pending.map((row) => row.key).sort();
    // Ops see each stuck notice as a retrying activity of the license's workflow, and on its card.
    const workflowId = `license:${issued.body.id}`;
    const retried = await eventually(
      () => pendingNoticeDeliveries(tenure.client, workflowId),
      (activities) => activities.length === 2 && activities.every((activity) => (activity.attempt ?? 0) >= 3),
      { timeoutMs: 20_000 },
    );
    for (const activity of retried) expect(activity.lastFailure?.message).toMatch(/mail server unavailable: .*ECONNREFUSED/);
    const { currentDetails } = await tenure.client.workflow.getHandle(workflowId).query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(currentDetails).toContain(`Sending notices: ${keys.join(', ')}`);
    expect((await tenure.db.select().from(outbox).where(eq(outbox.subjectId, issued.body.id))).map((row) => row.status)).toEqual(['pending', 'pending']);

    await tenure.smtp.start();
    const sent = await eventually(
      () => tenure.db.select().from(outbox).where(eq(outbox.subjectId, issued.body.id)),
      (rows) => rows.every((row) => row.status === 'sent'),
      { timeoutMs: 30_000 },
    );
    expect(sent.map((row) => row.kind).sort()).toEqual(['expiring', 'grace_started']);
    // Once no delivery is pending, no attempt is left that could send a duplicate.
    await untilNoticeDeliveriesSettled(tenure.client, [workflowId]);
    for (const key of keys) expect(tenure.smtp.mailsFor(key), key).toHaveLength(1);
    expect(tenure.smtp.received).toHaveLength(2);
  });

  it('R19: a notice still retrying when a resume opens a new cycle is delivered by the next run, once', async () => {
    const companyId = await createCompany(tenure, { noticeEmails: ['it@acme.test'] });
    await tenure.smtp.stop();
    const issued = await tenure.api('POST', '/v1/licenses', { companyId, product: 'endpoint-protection', seats: 5, term: 'annual', expiresAt: inSeconds(3_600) });
    expect(issued.status).toBe(201);
    const workflowId = `license:${issued.body.id}`;
    // Suspending makes the "suspended" notice due at once, while the mail server is down.
    expect((await tenure.api('POST', `/v1/licenses/${issued.body.id}/suspend`)).status).toBe(200);
    await eventually(() => pendingNoticeDeliveries(tenure.client, workflowId), (activities) => (activities[0]?.attempt ?? 0) >= 2);
    const [suspended] = await tenure.db.select().from(outbox).where(eq(outbox.subjectId, issued.body.id));

    // The resume opens cycle 2, and the run continues as new with the notice still undelivered.
    expect((await tenure.api('POST', `/v1/licenses/${issued.body.id}/resume`)).status).toBe(200);
    const { firstRunId } = (await tenure.client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo!;
    await eventually(
      async () => (await tenure.client.workflow.getHandle(workflowId).describe()).runId,
      (runId) => runId !== firstRunId,
      { timeoutMs: 30_000 },
    );
    await eventually(() => pendingNoticeDeliveries(tenure.client, workflowId), (activities) => activities.length > 0);

    await tenure.smtp.start();
    await eventually(
      () => tenure.db.select().from(outbox).where(eq(outbox.subjectId, issued.body.id)),
      (rows) => rows.every((row) => row.status === 'sent'),
      { timeoutMs: 30_000 },
    );
    await untilNoticeDeliveriesSettled(tenure.client, [workflowId]);
    expect(suspended!.kind).toBe('suspended');
    expect(tenure.smtp.mailsFor(suspended!.key)).toHaveLength(1);
  });
});
