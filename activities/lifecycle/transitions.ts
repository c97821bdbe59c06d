// Writing one lifecycle transition, whatever its subject (license or account): the
// projection row, its audit entry, the notices it made due and its webhook deliveries in
// one transaction, idempotent by revision and notice key, counted once it is committed.
import type { Database, Transaction } from '../../db/client.js';
import { auditLog, outbox } from '../../db/schema.js';
import { lifecycleTransitions } from '../../platform/metrics.js';
import { enqueueWebhookDeliveries, type WebhookEvent } from '../webhook/deliver.js';

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
  upsertProjection: (tx: Transaction) => PromiseLike<unknown>;
  webhookEvent: WebhookEvent;
}

/** Writes one transition; a retry after a crash finds the revision written and changes nothing. */
export async function writeTransition(db: Database, transition: Transition): Promise<{ webhookDeliveryIds: string[] }> {
  const { subject, record } = transition;
  // The four writes are independent: sent together, they reach PostgreSQL in one round trip and run in
  // this order, instead of waking both sides four times (a mass expiry writes thousands, issue 13).
  const [firstWrite, webhookDeliveryIds] = await db.transaction(async (tx) => {
    const [, audited, , deliveryIds] = await Promise.all([
      transition.upsertProjection(tx),
      insertAuditEntry(tx, subject, record),
      insertNotices(tx, subject, record.notices),
      enqueueWebhookDeliveries(tx, subject.partnerId, transition.webhookEvent),
    ]);
    return [audited, deliveryIds] as const;
  });
  // Counted after the commit, and only by the write that made the transition: a retry counts nothing.
  if (firstWrite) lifecycleTransitions.inc({ subject: subject.type, action: record.audit.action });
  return { webhookDeliveryIds };
}

/** Answers whether this write made the entry, rather than finding it from an earlier attempt. */
async function insertAuditEntry(tx: Transaction, subject: TransitionSubject, record: TransitionRecord): Promise<boolean> {
  const audited = await tx
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
  return audited.length > 0;
}

async function insertNotices(tx: Transaction, subject: TransitionSubject, notices: readonly NoticeDue[]): Promise<void> {
  if (notices.length === 0) return;
  await tx
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
