// Persistence of account lifecycles: the projection row, its audit entry and the notices
// it made due, in one statement, idempotent by revision and notice key. Seat allocations
// are not written here: they belong to the whole license group (licenseGroups.ts).
import { lt } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { accounts } from '../../db/schema.js';
import type { AccountContext, AccountState } from '../../machines/account/machine.js';
import type { AccountFacts } from '../../machines/account/contract.js';
import { lifecycleColumns, recordTransition, type RecordedTransition, type TransitionRecord } from '../lifecycle/transitions.js';
import type { ImmediateNotices } from '../notice/immediate.js';
import { accountWebhookEvent } from './webhook-event.js';

export interface AccountTransitionRecord extends TransitionRecord {
  account: AccountFacts;
  state: AccountState;
  /** The machine reached its final state: the account is deleted. */
  final: boolean;
  context: AccountContext;
}

export function createAccountActivities(db: Database, notices: ImmediateNotices) {
  return {
    /** Writes one transition; a retry after a crash finds the revision written and changes nothing. */
    async recordAccountTransition(record: AccountTransitionRecord): Promise<RecordedTransition> {
      const { account } = record;
      const projection = {
        state: record.state,
        seatsRequested: record.context.seatsRequested,
        ...lifecycleColumns(record, record.context),
        // A deleted account holds no seats from the moment it is deleted; the group's
        // re-allocation that follows hands them to the accounts that remain.
        ...(record.final ? { allocations: [], seatsAllocated: 0, overage: 0 } : {}),
      };
      return recordTransition(db, notices, {
        subject: { type: 'account', id: account.id, partnerId: account.partnerId, companyId: account.companyId },
        record,
        upsertProjection: db
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
          .onConflictDoUpdate({ target: accounts.id, set: projection, setWhere: lt(accounts.revision, record.revision) }),
        webhookEvent: accountWebhookEvent(record),
      });
    },
  };
}

export type AccountActivities = ReturnType<typeof createAccountActivities>;
