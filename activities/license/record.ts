// Persistence of license lifecycles: the projection row, its audit entry and the
// notices it made due, in one statement, idempotent by revision and notice key.
import { desc, eq, sql } from 'drizzle-orm';
import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '../../db/client.js';
import { preparedOnce, slot } from '../../db/prepared.js';
import { PolicyNotFound, policyFromRow, resolvePolicy, type PolicySubject } from '../../db/policies.js';
import type { LifecyclePolicy } from '../../machines/lifecycle/policy.js';
import { licenses, policies, pools } from '../../db/schema.js';
import type { LicenseContext, LicenseState } from '../../machines/license/index.js';
import type { LicenseFacts } from '../../machines/license/contract.js';
import { liveAccountsOfGroup } from '../account/license-group.js';
import { fromWrittenRow, lifecycleSlots, lifecycleValues, recordTransition, transitionStatement, type RecordedTransition, type TransitionRecord } from '../lifecycle/transitions.js';
import type { ImmediateNotices } from '../notice/immediate.js';
import { licenseWebhookEvent } from './webhook-event.js';

export interface LicenseTransitionRecord extends TransitionRecord {
  license: LicenseFacts;
  state: LicenseState;
  context: LicenseContext;
}

/** The license columns a transition changes once the row exists. */
const changedByTransition = ['state', 'term', 'expiresAt', 'cycle', 'nextDeadlineEvent', 'nextDeadlineAt', 'lifecycle', 'policyId', 'policyVersion', 'revision', 'updatedAt'] as const;

/** A license's transition, prepared once: its row is inserted at the first, and updated from an older revision after. */
const licenseTransition = preparedOnce((db: Database) =>
  transitionStatement(
    db,
    'license',
    db
      .insert(licenses)
      .values({
        id: slot('subjectId', 'uuid'),
        partnerId: slot('partnerId', 'uuid'),
        companyId: slot('companyId', 'uuid'),
        poolId: slot('poolId', 'uuid'),
        // The pool's group when the row is first written (revision 1): a move committed since the issue is
        // not undone (R5). FOR SHARE waits out a move under way, whose update of the pool's licenses cannot
        // see this row yet, and then reads the group it moved to; a move that starts later waits for this
        // row instead. Later transitions leave the column alone, so they neither read nor lock the pool.
        accessGroupId: sql`case when ${slot('poolId', 'uuid')} is null or ${slot('revision', 'integer')} > 1 then ${slot('accessGroupId', 'uuid')}
          else (select ${pools.accessGroupId} from ${pools} where ${pools.id} = ${slot('poolId', 'uuid')} for share) end`,
        sourceId: slot('sourceId', 'uuid'),
        accountType: slot('accountType', 'text'),
        product: slot('product', 'text'),
        seats: slot('seats', 'integer'),
        owner: slot('owner', 'owner'),
        tag: slot('tag', 'text'),
        // A trial renewed becomes the paid term it was renewed into (M5).
        term: slot('term', 'term'),
        expiresAt: slot('expiresAt', 'timestamptz'),
        ...lifecycleSlots,
        // Written at the first transition, on the workflow's clock like updatedAt, so the two never disagree.
        createdAt: slot('at', 'timestamptz'),
      })
      .onConflictDoUpdate({ target: licenses.id, ...fromWrittenRow(licenses, changedByTransition) }),
  ),
);

export function createLicenseActivities(db: Database, notices: ImmediateNotices) {
  return {
    /**
     * Writes one transition; a retry after a crash finds the revision written and changes nothing.
     * Answers the live accounts of the license's group too, so the workflow tells them without another round trip.
     */
    async recordLicenseTransition(record: LicenseTransitionRecord): Promise<RecordedTransition & { accountIds: string[] }> {
      const { license, context } = record;
      const recorded = await recordTransition(licenseTransition(db), notices, {
        subject: { type: 'license', id: license.id, partnerId: license.partnerId, companyId: license.companyId },
        record,
        projection: {
          poolId: license.poolId,
          accessGroupId: license.accessGroupId,
          sourceId: license.sourceId,
          accountType: license.accountType,
          product: license.product,
          seats: license.seats,
          owner: license.owner,
          tag: license.tag,
          term: context.term,
          expiresAt: new Date(context.expiresAt).toISOString(),
          ...lifecycleValues(record.state, record, context),
        },
        webhookEvent: licenseWebhookEvent(record),
      });
      // Read after the commit: an account created meanwhile is either listed here or reads this change itself.
      return { ...recorded, accountIds: await liveAccountsOfGroup(db, license) };
    },

    /**
     * The policy a license or account adopts at its next cycle: the current version of the one it
     * lives by now, chosen afresh (named at issue > its company's > the partner's for its product >
     * the partner's default), so a company's new policy reaches its running subjects.
     * A bare policy id (the older call) reads that policy's current version only.
     */
    async loadPolicy(subject: PolicySubject | string): Promise<LifecyclePolicy> {
      if (typeof subject === 'string') {
        const [row] = await db.select().from(policies).where(eq(policies.id, subject)).orderBy(desc(policies.version)).limit(1);
        if (!row) throw ApplicationFailure.nonRetryable(`policy ${subject} does not exist`, 'InvalidRecord');
        return policyFromRow(row);
      }
      try {
        return (await resolvePolicy(db, subject)).policy;
      } catch (error) {
        if (error instanceof PolicyNotFound) throw ApplicationFailure.nonRetryable(error.message, 'InvalidRecord');
        throw error;
      }
    },
  };
}

export type LicenseActivities = ReturnType<typeof createLicenseActivities>;

