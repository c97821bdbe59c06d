// Writing one lifecycle transition, whatever its subject (license or account): the
// projection row, its audit entry, the notices it made due and its webhook deliveries in
// one statement, idempotent by revision and notice key, counted once it is committed.
import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Database } from '../../db/client.js';
import { slot } from '../../db/prepared.js';
import { auditLog, outbox, webhookDeliveries } from '../../db/schema.js';
import { lifecycleTransitions } from '../../platform/metrics.js';
import type { ImmediateNotices } from '../notice/immediate.js';
import { deliverySlots, deliveryValues, webhookDeliveriesOf, type WebhookEvent } from '../webhook/deliver.js';

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

/** The projection columns licenses and accounts share, from the placeholders of `lifecycleValues`. */
export const lifecycleSlots = {
  state: slot('state', 'text'),
  cycle: slot('cycle', 'integer'),
  nextDeadlineEvent: slot('nextDeadlineEvent', 'text'),
  nextDeadlineAt: slot('nextDeadlineAt', 'timestamptz'),
  lifecycle: slot('lifecycle', 'jsonb'),
  policyId: slot('policyId', 'uuid'),
  policyVersion: slot('policyVersion', 'integer'),
  revision: slot('revision', 'integer'),
  // The transition's time on the workflow's clock, as its audit entry records it.
  updatedAt: slot('at', 'timestamptz'),
};

/** The values of `lifecycleSlots`; the machine's context is kept without its policy. */
export function lifecycleValues(state: string, record: TransitionRecord, context: { policy: unknown; cycle: number }) {
  const { policy: _policy, ...lifecycle } = context;
  return {
    state,
    cycle: context.cycle,
    nextDeadlineEvent: record.nextDeadline?.event ?? null,
    nextDeadlineAt: record.nextDeadline ? new Date(record.nextDeadline.at).toISOString() : null,
    lifecycle: JSON.stringify(lifecycle),
    policyId: record.policyId,
    policyVersion: record.policyVersion,
    revision: record.revision,
  };
}

/** On a conflict, a projection takes the written row's columns, and only from an older revision. */
export function fromWrittenRow<Column extends string>(table: PgTable & Record<Column | 'revision', AnyPgColumn>, columns: readonly Column[]) {
  return {
    set: Object.fromEntries(columns.map((column) => [column, sql.raw(`excluded.${table[column].name}`)])),
    setWhere: sql`${table.revision} < excluded.revision`,
  };
}

/**
 * The statement that writes one transition of a subject type: the projection (the subject's
 * upsert, on `lifecycleSlots` and its own placeholders), the audit entry, the notices and the
 * webhook deliveries are its CTEs, which PostgreSQL runs in full and atomically whether or not
 * the answer reads them, so a transition costs one round trip instead of a transaction's five.
 * It has one shape for any number of notices (they go in as one JSON array), so it is built and
 * prepared once: building it anew for each write was a tenth of the worker's main thread in a
 * mass expiry (issue 13). A retry after a crash finds the revision written and changes nothing.
 */
export function transitionStatement(db: Database, type: SubjectType, upsertProjection: SQLWrapper) {
  const projected = db.$with('projected', {}).as(upsertProjection.getSQL());
  const audited = db.$with('audited', { id: auditLog.id }).as(sql`
    insert into ${auditLog} (partner_id, subject_type, subject_id, action, actor, before, after, at, dedupe_key)
    values (${slot('partnerId', 'uuid')}, ${type}::text, ${slot('subjectId', 'text')}, ${slot('action', 'text')}, ${slot('actor', 'text')},
      ${slot('before', 'jsonb')}, ${slot('after', 'jsonb')}, ${slot('at', 'timestamptz')}, ${slot('dedupeKey', 'text')})
    on conflict (dedupe_key) do nothing
    returning id`);
  const noticed = db.$with('noticed', {}).as(sql`
    insert into ${outbox} (partner_id, key, subject_type, subject_id, company_id, kind, cycle, "offset", facts, due_at)
    select ${slot('partnerId', 'uuid')}, notice.key, ${type}::text, ${slot('subjectId', 'uuid')}, ${slot('companyId', 'uuid')},
      notice.kind, notice.cycle, notice."offset", notice.facts, notice.due_at
    from jsonb_to_recordset(${slot('notices', 'jsonb')}) as notice(key text, kind text, cycle integer, "offset" text, facts jsonb, due_at timestamptz)
    on conflict (key) do nothing`);
  const deliveries = webhookDeliveriesOf(deliverySlots);
  const delivered = db.$with('delivered', { id: webhookDeliveries.id }).as(deliveries.insert);
  return db
    .with(projected, audited, noticed, delivered)
    .select({ firstWrite: sql<boolean>`exists (select from ${audited})`, deliveryIds: deliveries.ids })
    .from(sql`(select) as once`)
    .prepare(`${type}_transition`);
}

export type TransitionStatement = ReturnType<typeof transitionStatement>;

/** The values of the statement's shared placeholders, for one transition. */
function transitionValues(subject: TransitionSubject, record: TransitionRecord, webhookEvent: WebhookEvent) {
  const { audit } = record;
  return {
    subjectId: subject.id,
    companyId: subject.companyId,
    action: audit.action,
    actor: audit.actor,
    before: audit.before ? JSON.stringify(audit.before) : null,
    after: JSON.stringify(audit.after),
    at: new Date(audit.at).toISOString(),
    dedupeKey: transitionKey(subject.type, subject.id, record.revision),
    notices: JSON.stringify(
      record.notices.map((notice) => ({ key: notice.key, kind: notice.kind, cycle: notice.cycle, offset: notice.offset, facts: notice.facts, due_at: new Date(notice.dueAt).toISOString() })),
    ),
    // With the partner's id, which the audit entry and the notices read too.
    ...deliveryValues(subject.partnerId, webhookEvent),
  };
}

export interface Transition {
  subject: TransitionSubject;
  record: TransitionRecord;
  /** The values of the subject's own placeholders in its statement's projection. */
  projection: Record<string, unknown>;
  webhookEvent: WebhookEvent;
}

/** Writes one transition; a retry after a crash finds the revision written and changes nothing. */
async function writeTransition(statement: TransitionStatement, transition: Transition): Promise<{ webhookDeliveryIds: string[] }> {
  const { subject, record, webhookEvent } = transition;
  const [written] = await statement.execute({ ...transition.projection, ...transitionValues(subject, record, webhookEvent) });
  // Counted after the commit, and only by the write that made the transition: a retry counts nothing.
  if (written!.firstWrite) lifecycleTransitions.inc({ subject: subject.type, action: record.audit.action });
  return { webhookDeliveryIds: written!.deliveryIds };
}

/** Writes the transition; then, for one no caller waits on, makes the first attempt at its notices. */
export async function recordTransition(statement: TransitionStatement, notices: ImmediateNotices, transition: Transition): Promise<RecordedTransition> {
  const written = await writeTransition(statement, transition);
  const { sendNoticesNow, notices: due } = transition.record;
  return { ...written, noticesSettled: sendNoticesNow ? await notices.sendNow(due.map((notice) => notice.key)) : [] };
}
