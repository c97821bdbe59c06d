// Two attempts of one notice's delivery overlap: the first, made by the write of the deadline
// that made the notice due, outlives its 5 s bound while its outbox update waits, and the
// lifecycle's activity makes a second, which sends too. (An activity attempt that outlives its
// heartbeat timeout overlaps its retry the same way.) The first to settle records the notice;
// the other finds it settled and answers that record instead of its own
// (activities/notice/deliver.ts, `settle`).
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { noticeMessageId } from '../../activities/notice/deliver.js';
import { auditLog, outbox } from '../../db/schema.js';
import { noticesSent } from '../../platform/metrics.js';
import { testPayloadCodec } from '../support/payload-keys.js';
import { createCompany, createPolicy, inSeconds } from '../support/setup.js';
import { eventually } from '../support/tenure.js';
import { attemptsWaitingForOutboxRow, holdOutboxRowOfNextMail } from './outbox-lock.js';
import { startTenureWithSmtp, type TenureWithSmtp } from './tenure-with-smtp.js';

let tenure: TenureWithSmtp;
beforeAll(async () => {
  tenure = await startTenureWithSmtp();
});
afterAll(() => tenure?.close());

const noticesCountedSent = async () => (await noticesSent.get()).values.reduce((sum, { value }) => sum + value, 0);

/** What the license workflow's notice delivery (`deliverNotice`) answered, as its history keeps it. */
async function deliveryAnswers(licenseId: string): Promise<unknown[]> {
  const events = (await tenure.client.workflow.getHandle(`license:${licenseId}`).fetchHistory()).events ?? [];
  const deliveries = new Set(
    events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'deliverNotice').map((event) => String(event.eventId)),
  );
  const completions = events
    .filter((event) => deliveries.has(String(event.activityTaskCompletedEventAttributes?.scheduledEventId)))
    .flatMap((event) => event.activityTaskCompletedEventAttributes?.result?.payloads ?? []);
  return Promise.all(completions.map(async (payload) => defaultPayloadConverter.fromPayload((await testPayloadCodec.decode([payload]))[0]!)));
}

describe('two attempts of one notice that overlap', () => {
  it('R19: both send the same Message-ID, the notice is recorded and counted once, and the later attempt answers the earlier record', async () => {
    // The expiring notice is due two seconds after issue; nothing else happens within the test.
    const policyId = await createPolicy(tenure, { grace: 'PT60S', suspension: 'PT60S', expiryNotices: ['PT598S'], deletionNotice: 'PT10S' });
    const companyId = await createCompany(tenure, { noticeEmails: ['it@acme.test'] });
    const countedBefore = await noticesCountedSent();

    const row = holdOutboxRowOfNextMail(tenure);
    const issued = await tenure.api('POST', '/v1/licenses', { companyId, product: 'endpoint-protection', seats: 5, term: 'annual', expiresAt: inSeconds(600), policyId });
    expect(issued.status).toBe(201);
    const [first] = await eventually(async () => tenure.smtp.received, (mails) => mails.length === 1);
    await row.held;
    // The first attempt's update waits past its heartbeat timeout; the second is sent, then waits behind it.
    await eventually(() => attemptsWaitingForOutboxRow(tenure), (waiting) => waiting === 2, { timeoutMs: 30_000, intervalMs: 100 });
    row.release();

    const messageId = noticeMessageId(first!.key);
    const answers = await eventually(() => deliveryAnswers(issued.body.id), (found) => found.length === 1);
    expect(answers).toEqual([{ status: 'sent', messageId, recipients: ['it@acme.test'] }]);
    const [settled] = await tenure.db.select().from(outbox).where(eq(outbox.key, first!.key));
    expect(settled).toMatchObject({ status: 'sent', messageId, recipients: ['it@acme.test'] });

    const copies = tenure.smtp.mailsFor(first!.key);
    expect(copies).toHaveLength(2);
    expect(new Set(copies.map((mail) => mail.messageId))).toEqual(new Set([messageId]));
    const audit = await tenure.db.select().from(auditLog).where(and(eq(auditLog.subjectId, issued.body.id), like(auditLog.action, 'notice.%')));
    expect(audit.map((entry) => entry.action)).toEqual(['notice.sent']);
    expect(await noticesCountedSent()).toBe(countedBefore + 1);
  });
});
