import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, like, sql } from 'drizzle-orm';
import { noticeMessageId } from '../../activities/notice/deliver.js';
import { auditLog, outbox } from '../../db/schema.js';
import { keepHistory } from '../support/histories.js';
import { startWorkerProcess } from '../support/spawn-worker.js';
import { eventually } from '../support/tenure.js';
import { attemptsWaitingForOutboxRow, holdOutboxRowOfNextMail, waitingOnOutboxRow } from './outbox-lock.js';
import { startTenureWithSmtp, type TenureWithSmtp } from './tenure-with-smtp.js';
import { createCompany, createPolicy, inSeconds } from '../support/setup.js';

let tenure: TenureWithSmtp;
beforeAll(async () => {
  tenure = await startTenureWithSmtp({ worker: false });
});
afterAll(() => tenure?.close());

/**
 * The killed worker's connection goes with it. PostgreSQL would only notice at its next read, and
 * the settling statement, one autocommitted statement, would then complete: ended here, so the
 * outbox stays as a worker that died before its write reached the database left it.
 */
async function endDeadWorkersStatement(): Promise<void> {
  await tenure.db.execute(sql`select pg_terminate_backend(pid) from pg_stat_activity where ${waitingOnOutboxRow}`);
}

describe('a worker that dies between SMTP acceptance and the outbox update', () => {
  it('R19: the retry repeats the same message with the same Message-ID, and the notice is recorded as sent once', async () => {
    const crashing = await startWorkerProcess(tenure);
    const policyId = await createPolicy(tenure, { grace: 'PT60S', suspension: 'PT60S', expiryNotices: ['PT58S'], deletionNotice: 'PT10S' });
    const companyId = await createCompany(tenure, { noticeEmails: ['it@acme.test'] });

    // The server accepts the message (250) while the test holds the outbox row, so the worker
    // has the acceptance in hand but cannot record it before it is killed.
    const row = holdOutboxRowOfNextMail(tenure);
    const issued = await tenure.api('POST', '/v1/licenses', { companyId, product: 'endpoint-protection', seats: 5, term: 'annual', expiresAt: inSeconds(60), policyId });
    expect(issued.status).toBe(201);

    const [first] = await eventually(async () => tenure.smtp.received, (mails) => mails.length === 1);
    await row.held;
    // The worker has the server's 250 in hand once its update of the outbox row waits for the lock this test holds.
    await eventually(() => attemptsWaitingForOutboxRow(tenure), (waiting) => waiting > 0, { timeoutMs: 10_000, intervalMs: 20 });
    crashing.kill('SIGKILL');
    await once(crashing, 'exit');
    await endDeadWorkersStatement();
    row.release();
    const [stillPending] = await tenure.db.select().from(outbox).where(eq(outbox.key, first!.key));
    expect(stillPending).toMatchObject({ status: 'pending', messageId: null });

    await tenure.startWorker();
    const [sent] = await eventually(
      () => tenure.db.select().from(outbox).where(eq(outbox.key, first!.key)),
      ([row]) => row?.status === 'sent',
      { timeoutMs: 30_000 },
    );

    const copies = tenure.smtp.mailsFor(first!.key);
    expect(copies).toHaveLength(2);
    expect(new Set(copies.map((mail) => mail.messageId))).toEqual(new Set([noticeMessageId(first!.key)]));
    expect(sent!.messageId).toBe(noticeMessageId(first!.key));
    expect(copies[1]!.parsed.subject).toBe(copies[0]!.parsed.subject);
    const audit = await tenure.db.select().from(auditLog).where(and(eq(auditLog.subjectId, issued.body.id), like(auditLog.action, 'notice.%')));
    expect(audit.map((row) => row.action)).toEqual(['notice.sent']);
    await keepHistory('license-notice-after-crash', tenure.client, `license:${issued.body.id}`);
  });
});
