// Writing one lifecycle transition, whatever its subject (license or account): the
// projection row, its audit entry, the notices it made due and its webhook deliveries in
// one statement, idempotent by revision and notice key, counted once it is committed.
import { sql, type SQLWrapper } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { auditLog, outbox } from '../../db/schema.js';
import { lifecycleTransitions } from '../../platform/metrics.js';
import type { ImmediateNotices } from '../notice/immediate.js';
import { webhookDeliveriesOf, type WebhookEvent } from '../webhook/deliver.js';

export type SubjectType = 'license' | 'account';

/** The license or account a transition belongs to. */
export interface TransitionSubject {
  type: SubjectType;
  id: string;
  partnerId: string;
  companyId: string;
}

export interface NoticeDue {
  key: string;
  kind: string;
  offset: string | null;
  cycle: number;
  dueAt: number;
  facts: Record<string, string>;
}

export interface TransitionAudit {
  action: string;
  actor: string;
  at: number;
  before?: Record<string, unknown>;
  after: Record<string, unknown>;
}

/** What a workflow sends for every transition, whatever its subject. */
export interface TransitionRecord {
  policyId: string;
  policyVersion: number;
  revision: number;
  nextDeadline: { event: string; at: number } | null;
  audit: TransitionAudit;
  notices: NoticeDue[];
  /** Make the first attempt at its notices right after the write: a transition no caller waits on (a deadline). */
  sendNoticesNow: boolean;
}

/** What a transition's recording activity answers, whatever its subject. */
export interface RecordedTransition {
  webhookDeliveryIds: string[];
  /** Notices settled right after the write; the workflow delivers the others. Absent from the answers of older versions. */
  noticesSettled?: string[];
}

/** Names one written revision: the audit entry's dedupe key and the webhook event's id, the same on every retry. */
export function transitionKey(type: SubjectType, id: string, revision: number): string {
  return `${type}:${id}:${revision}`;
}

/** The projection columns licenses and accounts share; the machine's context is kept without its policy. */
export function lifecycleColumns(record: TransitionRecord, context: { policy: unknown; cycle: number }) {
  const { policy: _policy, ...lifecycle } = context;
  return {
    cycle: context.cycle,
    nextDeadlineEvent: record.nextDeadline?.event ?? null,
    nextDeadlineAt: record.nextDeadline ? new Date(record.nextDeadline.at) : null,
    lifecycle,
    policyId: record.policyId,
    policyVersion: record.policyVersion,
    revision: record.revision,
    updatedAt: new Date(record.audit.at),
  };
}

export interface Transition {
  subject: TransitionSubject;
  record: TransitionRecord;
  /** Inserts the subject's row, or updates it only from an older revision. */
  upsertProjection: SQLWrapper;
  webhookEvent: WebhookEvent;
}

/**
 * Writes one transition; a retry after a crash finds the revision written and changes nothing.
 * One statement: the projection, the audit entry, the notices and the webhook deliveries are
 * its CTEs, which PostgreSQL runs in full and atomically whether or not the answer reads them,
 * so a transition costs one round trip instead of a transaction's five (a mass expiry writes
 * thousands, issue 13).
 */
export async function writeTransition(db: Database, transition: Transition): Promise<{ webhookDeliveryIds: string[] }> {
  const { subject, record, webhookEvent } = transition;
  const noticed = record.notices.length > 0 ? sql`, noticed as (${insertNotices(db, subject, record.notices).getSQL()})` : sql``;
  const deliveries = webhookDeliveriesOf(subject.partnerId, webhookEvent);
  const [written] = await db.execute<{ first_write: boolean; delivery_ids: string[] }>(sql`
    with projected as (${transition.upsertProjection.getSQL()}),
      audited as (${insertAuditEntry(db, subject, record).getSQL()})${noticed},
      ${deliveries.cte}
    select exists (select from audited) as first_write, ${deliveries.ids} as delivery_ids`);
  // Counted after the commit, and only by the write that made the transition: a retry counts nothing.
  if (written!.first_write) lifecycleTransitions.inc({ subject: subject.type, action: record.audit.action });
  return { webhookDeliveryIds: written!.delivery_ids };
}

/** Writes the transition; then, for one no caller waits on, makes the first attempt at its notices. */
export async function recordTransition(db: Database, notices: ImmediateNotices, transition: Transition): Promise<RecordedTransition> {
  const written = await writeTransition(db, transition);
  const { sendNoticesNow, notices: due } = transition.record;
  return { ...written, noticesSettled: sendNoticesNow ? await notices.sendNow(due.map((notice) => notice.key)) : [] };
}

/** Returns a row only when this write made the entry, rather than finding it from an earlier attempt. */
function insertAuditEntry(db: Database, subject: TransitionSubject, record: TransitionRecord) {
  return db
    .insert(auditLog)
    .values({
      partnerId: subject.partnerId,
      subjectType: subject.type,
      subjectId: subject.id,
      action: record.audit.action,
      actor: record.audit.actor,
      before: record.audit.before ?? null,
      after: record.audit.after,
      at: new Date(record.audit.at),
      dedupeKey: transitionKey(subject.type, subject.id, record.revision),
    })
    .onConflictDoNothing({ target: auditLog.dedupeKey })
    .returning({ id: auditLog.id });
}

function insertNotices(db: Database, subject: TransitionSubject, notices: readonly NoticeDue[]) {
  return db
    .insert(outbox)
    .values(
      notices.map((notice) => ({
        partnerId: subject.partnerId,
        key: notice.key,
        subjectType: subject.type,
        subjectId: subject.id,
        companyId: subject.companyId,
        kind: notice.kind,
        cycle: notice.cycle,
        offset: notice.offset,
        facts: notice.facts,
        dueAt: new Date(notice.dueAt),
      })),
    )
    .onConflictDoNothing({ target: outbox.key });
}
