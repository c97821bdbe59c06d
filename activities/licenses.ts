// Persistence of license lifecycles: the projection row, its audit entry and the
// notices it made due, in one transaction, idempotent by revision and notice key.
import { desc, eq, lt } from 'drizzle-orm';
import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '../db/client.js';
import { lifecycleTransitions } from '../runtime/metrics.js';
import { auditLog, licenses, outbox, policies } from '../db/schema.js';
import type { LicenseContext, LicenseState } from '../machines/license/index.js';
import type { LifecyclePolicy } from '../machines/policy.js';
import type { LicenseFacts } from '../workflows/license/messages.js';
import { liveAccountsOfGroup } from './licenseGroups.js';
import { enqueueWebhookDeliveries } from './webhooks.js';
import { licenseWebhookEvent } from './webhooks/licenseEvent.js';

export interface NoticeDue {
  key: string;
  kind: string;
  offset: string | null;
  cycle: number;
  dueAt: number;
  facts: Record<string, string>;
}

export interface LicenseTransitionRecord {
  license: LicenseFacts;
  policyId: string;
  policyVersion: number;
  revision: number;
  state: LicenseState;
  context: LicenseContext;
  nextDeadline: { event: string; at: number } | null;
  audit: { action: string; actor: string; at: number; before?: Record<string, unknown>; after: Record<string, unknown> };
  notices: NoticeDue[];
}

export function createLicenseActivities(db: Database) {
  return {
    /**
     * Writes one transition; a retry after a crash finds the revision written and changes nothing.
     * Answers the live accounts of the license's group too, so the workflow tells them without another round trip.
     */
    async recordLicenseTransition(record: LicenseTransitionRecord): Promise<{ webhookDeliveryIds: string[]; accountIds: string[] }> {
      const { license, context } = record;
      const { policy: _policy, ...lifecycle } = context;
      const projection = {
        state: record.state,
        expiresAt: new Date(context.expiresAt),
        cycle: context.cycle,
        nextDeadlineEvent: record.nextDeadline?.event ?? null,
        nextDeadlineAt: record.nextDeadline ? new Date(record.nextDeadline.at) : null,
        lifecycle,
        policyId: record.policyId,
        policyVersion: record.policyVersion,
        revision: record.revision,
        updatedAt: new Date(record.audit.at),
      };
      let firstWrite = false;
      const written = await db.transaction(async (tx) => {
        await tx
          .insert(licenses)
          .values({
            id: license.id,
            partnerId: license.partnerId,
            companyId: license.companyId,
            poolId: license.poolId,
            sourceId: license.sourceId,
            accountType: license.accountType,
            product: license.product,
            seats: license.seats,
            term: license.term,
            owner: license.owner,
            tag: license.tag,
            ...projection,
          })
          .onConflictDoUpdate({ target: licenses.id, set: projection, setWhere: lt(licenses.revision, record.revision) });
        const audited = await tx
          .insert(auditLog)
          .values({
            partnerId: license.partnerId,
            subjectType: 'license',
            subjectId: license.id,
            action: record.audit.action,
            actor: record.audit.actor,
            before: record.audit.before ?? null,
            after: record.audit.after,
            at: new Date(record.audit.at),
            dedupeKey: `license:${license.id}:${record.revision}`,
          })
          .onConflictDoNothing({ target: auditLog.dedupeKey })
          .returning({ id: auditLog.id });
        firstWrite = audited.length > 0;
        if (record.notices.length > 0) {
          await tx
            .insert(outbox)
            .values(
              record.notices.map((notice) => ({
                partnerId: license.partnerId,
                key: notice.key,
                subjectType: 'license',
                subjectId: license.id,
                companyId: license.companyId,
                kind: notice.kind,
                cycle: notice.cycle,
                offset: notice.offset,
                facts: notice.facts,
                dueAt: new Date(notice.dueAt),
              })),
            )
            .onConflictDoNothing({ target: outbox.key });
        }
        return { webhookDeliveryIds: await enqueueWebhookDeliveries(tx, license.partnerId, licenseWebhookEvent(record)) };
      });
      // Counted after the commit, and only by the write that made the transition: a retry counts nothing.
      if (firstWrite) lifecycleTransitions.inc({ subject: 'license', action: record.audit.action });
      // Read after the commit: an account created meanwhile is either listed here or reads this change itself.
      return { ...written, accountIds: await liveAccountsOfGroup(db, license) };
    },

    /** The current version of a policy, which a license adopts at its next cycle. */
    async loadPolicy(policyId: string): Promise<LifecyclePolicy> {
      const [row] = await db.select().from(policies).where(eq(policies.id, policyId)).orderBy(desc(policies.version)).limit(1);
      if (!row) throw ApplicationFailure.nonRetryable(`policy ${policyId} does not exist`, 'InvalidRecord');
      return policyFromRow(row);
    },
  };
}

export type LicenseActivities = ReturnType<typeof createLicenseActivities>;

export function policyFromRow(row: typeof policies.$inferSelect): LifecyclePolicy {
  return {
    id: row.id,
    version: row.version,
    name: row.name,
    trial: row.trial,
    grace: row.grace,
    suspension: row.suspension,
    expiryNotices: row.expiryNotices,
    deletionNotice: row.deletionNotice,
  };
}
