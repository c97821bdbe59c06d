// Persistence of account lifecycles: the projection row, its audit entry and the notices
// it made due, in one statement, idempotent by revision and notice key. Seat allocations
// are not written here: they belong to the whole license group (licenseGroups.ts).
import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Database } from '../../db/client.js';
import { preparedOnce, slot } from '../../db/prepared.js';
import { accounts } from '../../db/schema.js';
import type { AccountContext, AccountState } from '../../machines/account/machine.js';
import type { AccountFacts } from '../../machines/account/contract.js';
import { fromWrittenRow, lifecycleSlots, lifecycleValues, recordTransition, transitionStatement, type RecordedTransition, type TransitionRecord } from '../lifecycle/transitions.js';
import type { ImmediateNotices } from '../notice/immediate.js';
import { accountWebhookEvent } from './webhook-event.js';

export interface AccountTransitionRecord extends TransitionRecord {
  account: AccountFacts;
  state: AccountState;
  /** The machine reached its final state: the account is deleted. */
  final: boolean;
  context: AccountContext;
}

/** The account columns a transition changes once the row exists. */
const changedByTransition = ['state', 'seatsRequested', 'cycle', 'nextDeadlineEvent', 'nextDeadlineAt', 'lifecycle', 'policyId', 'policyVersion', 'revision', 'updatedAt'] as const;

/** An account's transition, prepared once: its row is inserted at the first, and updated from an older revision after. */
const accountTransition = preparedOnce((db: Database) => {
  const fromRow = fromWrittenRow(accounts, changedByTransition);
  // A deleted account holds no seats from the moment it is deleted; the group's re-allocation
  // that follows hands them to the accounts that remain.
  const unlessDeleted = (column: AnyPgColumn, none: SQL) => sql`case when ${slot('final', 'boolean')} then ${none} else ${column} end`;
  return transitionStatement(
    db,
    'account',
    db
      .insert(accounts)
      .values({
        id: slot('subjectId', 'uuid'),
        partnerId: slot('partnerId', 'uuid'),
        companyId: slot('companyId', 'uuid'),
        product: slot('product', 'text'),
        name: slot('name', 'text'),
        term: slot('term', 'term'),
        seatsRequested: slot('seatsRequested', 'integer'),
        ...lifecycleSlots,
        // Workflow time, not the database's: seats go to the oldest account first (R9).
        createdAt: slot('at', 'timestamptz'),
      })
      .onConflictDoUpdate({
        target: accounts.id,
        set: {
          ...fromRow.set,
          allocations: unlessDeleted(accounts.allocations, sql`'[]'::jsonb`),
          seatsAllocated: unlessDeleted(accounts.seatsAllocated, sql`0`),
          overage: unlessDeleted(accounts.overage, sql`0`),
        },
        setWhere: fromRow.setWhere,
      }),
  );
});

export function createAccountActivities(db: Database, notices: ImmediateNotices) {
  return {
    /** Writes one transition; a retry after a crash finds the revision written and changes nothing. */
    async recordAccountTransition(record: AccountTransitionRecord): Promise<RecordedTransition> {
      const { account } = record;
      return recordTransition(accountTransition(db), notices, {
        subject: { type: 'account', id: account.id, partnerId: account.partnerId, companyId: account.companyId },
        record,
        projection: {
          product: account.product,
          name: account.name,
          term: account.term,
          seatsRequested: record.context.seatsRequested,
          final: record.final,
          ...lifecycleValues(record.state, record, record.context),
        },
        webhookEvent: accountWebhookEvent(record),
      });
    },
  };
}

export type AccountActivities = ReturnType<typeof createAccountActivities>;
