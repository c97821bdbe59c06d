// Delivers one outbox row by SMTP, once (R19). The row is marked sent only after the server
// accepted the message, and the Message-ID comes from the outbox key: a retry after a crash
// between "accepted" and "marked" repeats the very same message instead of sending a new one.
import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Database } from '../../db/client.js';
import { preparedOnce } from '../../db/prepared.js';
import { auditLog, outbox } from '../../db/schema.js';
import type { Logger } from '../../platform/logger.js';
import { noticesSent } from '../../platform/metrics.js';
import { composeWithParties, noticeWithParties, UndeliverableNotice, type ComposedNotice, type NoticeParties, type OutboxRow } from '../../platform/notice/compose.js';
import { NoticeRenderError } from '../../platform/notice/render.js';
import { MailRejected, type Mailer, type Rejection } from './transport.js';
import {
  MAIL_REJECTED,
  MAIL_SERVER_UNAVAILABLE,
  NO_RECIPIENTS,
  UNDELIVERABLE_NOTICE,
  type NoticeOutcome,
} from '../../machines/notice/delivery.js';

export function noticeMessageId(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex')}@tenure>`;
}

const ACTOR = 'system:notices';
/** While the SMTP conversation runs, so a worker that dies mid-send is noticed in seconds. */
const HEARTBEAT_EVERY_MS = 1_000;

export interface NoticeDependencies {
  db: Database;
  mailer: Mailer;
  logger: Logger;
}

/** What runs around the SMTP conversation: an activity heartbeats through it. */
export type Conversation = <T>(send: Promise<T>) => Promise<T>;

/**
 * One attempt at one outbox row. A notice already settled answers its outcome and sends nothing;
 * a refusal no retry can fix is settled and raised as non-retryable; an outage raises a retryable failure.
 */
export async function deliverOnce({ db, mailer, logger }: NoticeDependencies, key: string, conversation: Conversation): Promise<NoticeOutcome> {
  const [read] = await noticeWithParties(db).execute({ key });
  if (!read) throw ApplicationFailure.nonRetryable(`no notice ${key} in the outbox`, UNDELIVERABLE_NOTICE);
  const { notice, ...parties } = read;
  if (notice.status !== 'pending') return outcomeOf(notice);

  const composed = await composeOrFail(db, notice, parties);
  if (composed.recipients.length === 0) {
    if (composed.optedOut) {
      const reason = `the company opted out of ${notice.kind} notices and the partner has no contact e-mail`;
      return settle(db, notice, { status: 'skipped', error: reason });
    }
    const error = 'no recipients: the company has no notice e-mails and the partner has no contact e-mail';
    await settle(db, notice, { status: 'failed', error });
    throw ApplicationFailure.nonRetryable(error, NO_RECIPIENTS);
  }

  const messageId = noticeMessageId(key);
  const delivery = await conversation(
    mailer.send({
      to: composed.recipients,
      subject: composed.mail.subject,
      text: composed.mail.text,
      html: composed.mail.html,
      messageId,
      headers: { 'Auto-Submitted': 'auto-generated', 'Content-Language': composed.mail.locale, 'X-Tenure-Notice': key },
    }),
  ).catch(async (error: unknown) => {
    if (error instanceof MailRejected) {
      const reason = `rejected by the mail server: ${describeRejections(error.rejected) || error.message}`;
      await settle(db, notice, { status: 'failed', error: reason, recipients: composed.recipients, locale: composed.mail.locale });
      throw ApplicationFailure.nonRetryable(reason, MAIL_REJECTED);
    }
    throw ApplicationFailure.retryable(`mail server unavailable: ${(error as Error).message}`, MAIL_SERVER_UNAVAILABLE);
  });

  const outcome = await settle(db, notice, {
    status: 'sent',
    messageId,
    recipients: delivery.accepted,
    locale: composed.mail.locale,
    // Some addresses refused while others took it: sent, and the refusals are on record.
    error: delivery.rejected.length > 0 ? `rejected by the mail server: ${describeRejections(delivery.rejected)}` : null,
    sentAt: new Date(),
  });
  logger.info({ key, messageId, recipients: delivery.accepted }, 'notice sent');
  return outcome;
}

export function createNoticeActivities(deps: NoticeDependencies) {
  return {
    /** Every attempt at a notice its transition's write did not settle, retried with backoff through an outage. */
    deliverNotice: (key: string): Promise<NoticeOutcome> => deliverOnce(deps, key, whileHeartbeating),
  };
}

export type NoticeActivities = ReturnType<typeof createNoticeActivities>;

/** A template or a missing company, partner or subject is no outage: record it and stop. */
async function composeOrFail(db: Database, notice: OutboxRow, parties: NoticeParties): Promise<ComposedNotice> {
  try {
    return composeWithParties(notice, parties);
  } catch (error) {
    if (!(error instanceof NoticeRenderError || error instanceof UndeliverableNotice)) throw error;
    await settle(db, notice, { status: 'failed', error: error.message });
    throw ApplicationFailure.nonRetryable(error.message, UNDELIVERABLE_NOTICE);
  }
}

type Settlement = Pick<OutboxRow, 'status'> & Partial<Pick<OutboxRow, 'messageId' | 'recipients' | 'locale' | 'error' | 'sentAt'>>;

/**
 * The outcome and its audit entry (`notice.sent`, `notice.failed`, `notice.skipped`), once, in
 * one statement: a mass expiry settles thousands, and a transaction would cost four round trips.
 * Every outcome column is written, those an outcome lacks as the null a pending row holds, so
 * the statement has one shape and is prepared once. An earlier attempt that outlived its timeout
 * may have settled the notice already: its record stands.
 */
const settleNotice = preparedOnce((db: Database) => {
  const value = sql.placeholder;
  const settled = db.$with('settled', { partnerId: outbox.partnerId, subjectType: outbox.subjectType, subjectId: outbox.subjectId }).as(sql`
    update ${outbox} set status = ${value('status')}::notice_status, message_id = ${value('messageId')}::text, recipients = ${value('recipients')}::jsonb,
      locale = ${value('locale')}::text, error = ${value('error')}::text, sent_at = ${value('sentAt')}::timestamptz
    where ${outbox.id} = ${value('id')}::uuid and ${outbox.status} = 'pending'
    returning ${outbox.partnerId}, ${outbox.subjectType}, ${outbox.subjectId}`);
  const audited = db.$with('audited', {}).as(sql`
    insert into ${auditLog} (partner_id, subject_type, subject_id, action, actor, before, after, at, dedupe_key)
    select ${settled.partnerId}, ${settled.subjectType}, ${settled.subjectId}::text, ${value('action')}::text, ${ACTOR}::text,
      ${value('before')}::jsonb, ${value('after')}::jsonb, ${value('at')}::timestamptz, ${value('dedupeKey')}::text
    from ${settled}
    on conflict (dedupe_key) do nothing`);
  return db.with(settled, audited).select({ settled: sql<number>`count(*)::int` }).from(settled).prepare('settle_notice');
});

async function settle(db: Database, notice: OutboxRow, settlement: Settlement): Promise<NoticeOutcome> {
  const at = settlement.sentAt ?? new Date();
  const { status, error, ...sent } = settlement;
  const after = { key: notice.key, kind: notice.kind, offset: notice.offset, cycle: notice.cycle, status, ...sent, ...(error ? { error } : {}) };
  const [result] = await settleNotice(db).execute({
    id: notice.id,
    status,
    messageId: settlement.messageId ?? null,
    recipients: settlement.recipients ? JSON.stringify(settlement.recipients) : null,
    locale: settlement.locale ?? null,
    error: error ?? null,
    sentAt: settlement.sentAt?.toISOString() ?? null,
    action: `notice.${status}`,
    before: JSON.stringify({ status: notice.status }),
    after: JSON.stringify(after),
    at: at.toISOString(),
    dedupeKey: `notice:${notice.key}:${status}`,
  });
  if (result?.settled) {
    // Counted once per notice, by the attempt that recorded it, however many attempts reached the server.
    if (status === 'sent') noticesSent.inc({ kind: notice.kind });
    return outcomeOf({ ...notice, messageId: null, recipients: null, ...settlement });
  }
  const [row] = await db.select().from(outbox).where(eq(outbox.id, notice.id)).limit(1);
  return outcomeOf(row ?? notice);
}

function outcomeOf(notice: OutboxRow): NoticeOutcome {
  return { status: notice.status as NoticeOutcome['status'], messageId: notice.messageId, recipients: notice.recipients ?? [] };
}

function describeRejections(rejected: Rejection[]): string {
  return rejected.map((rejection) => `${rejection.address} (${rejection.response})`).join(', ');
}

/**
 * No beat at the start: the heartbeat timeout already counts from it, and a first beat would cost
 * every notice a round trip and a write on the server, for the send that nearly always ends first.
 */
async function whileHeartbeating<T>(work: Promise<T>): Promise<T> {
  const context = Context.current();
  const beat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work;
  } finally {
    clearInterval(beat);
  }
}
