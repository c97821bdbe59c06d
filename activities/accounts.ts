// Persistence of account lifecycles: the projection row, its audit entry and the notices
// it made due, in one transaction, idempotent by revision and notice key. Seat allocations
// are not written here: they belong to the whole license group (licenseGroups.ts).
import { lt } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { accounts, auditLog, outbox } from '../db/schema.js';
import type { AccountContext, AccountState } from '../machines/account/machine.js';
import { lifecycleTransitions } from '../runtime/metrics.js';
import type { AccountFacts } from '../workflows/account/messages.js';
import type { NoticeDue } from './licenses.js';
import { enqueueWebhookDeliveries } from './webhooks.js';
import { accountWebhookEvent } from './webhooks/accountEvent.js';

export interface AccountTransitionRecord {
  account: AccountFacts;
  policyId: string;
  policyVersion: number;
  revision: number;
  state: AccountState;
  /** The machine reached its final state: the account is deleted. */
  final: boolean;
  protected: boolean;
  seatsRequested: number;
  context: AccountContext;
  nextDeadline: { event: string; at: number } | null;
  audit: { action: string; actor: string; at: number; before?: Record<string, unknown>; after: Record<string, unknown> };
  notices: NoticeDue[];
}

export function createAccountActivities(db: Database) {
  return {
    /** Writes one transition; a retry after a crash finds the revision written and changes nothing. */
    async recordAccountTransition(record: AccountTransitionRecord): Promise<{ webhookDeliveryIds: string[] }> {
      const { account, context } = record;
      const { policy: _policy, ...lifecycle } = context;
      const projection = {
        state: record.state,
        protected: record.protected,
        seatsRequested: record.seatsRequested,
        cycle: context.cycle,
        nextDeadlineEvent: record.nextDeadline?.event ?? null,
        nextDeadlineAt: record.nextDeadline ? new Date(record.nextDeadline.at) : null,
        lifecycle,
        policyId: record.policyId,
        policyVersion: record.policyVersion,
        revision: record.revision,
        updatedAt: new Date(record.audit.at),
        // A deleted account holds no seats from the moment it is deleted; the group's
        // re-allocation that follows hands them to the accounts that remain.
        ...(record.final ? { allocations: [], seatsAllocated: 0, overage: 0 } : {}),
      };
      let firstWrite = false;
      const written = await db.transaction(async (tx) => {
        await tx
          .insert(accounts)
          .values({
            id: account.id,
            partnerId: account.partnerId,
            companyId: account.companyId,
            product: account.product,
            name: account.name,
            term: account.term,
            // Workflow time, not the database's: seats go to the oldest account first (R9).
            createdAt: new Date(record.audit.at),
            ...projection,
          })
          .onConflictDoUpdate({ target: accounts.id, set: projection, setWhere: lt(accounts.revision, record.revision) });
        const audited = await tx
          .insert(auditLog)
          .values({
            partnerId: account.partnerId,
            subjectType: 'account',
            subjectId: account.id,
            action: record.audit.action,
            actor: record.audit.actor,
            before: record.audit.before ?? null,
            after: record.audit.after,
            at: new Date(record.audit.at),
            dedupeKey: `account:${account.id}:${record.revision}`,
          })
          .onConflictDoNothing({ target: auditLog.dedupeKey })
          .returning({ id: auditLog.id });
        firstWrite = audited.length > 0;
        if (record.notices.length > 0) {
          await tx
            .insert(outbox)
            .values(
              record.notices.map((notice) => ({
                partnerId: account.partnerId,
                key: notice.key,
                subjectType: 'account',
                subjectId: account.id,
                companyId: account.companyId,
                kind: notice.kind,
                cycle: notice.cycle,
                offset: notice.offset,
                facts: notice.facts,
                dueAt: new Date(notice.dueAt),
              })),
            )
            .onConflictDoNothing({ target: outbox.key });
        }
        return { webhookDeliveryIds: await enqueueWebhookDeliveries(tx, account.partnerId, accountWebhookEvent(record)) };
      });
      // Counted after the commit, and only by the write that made the transition: a retry counts nothing.
      if (firstWrite) lifecycleTransitions.inc({ subject: 'account', action: record.audit.action });
      return written;
    },
  };
}

export type AccountActivities = ReturnType<typeof createAccountActivities>;
