// The lifecycle of an account (a product instance of a company, e.g. a cloud office security
// tenant), DESIGN §3 "Account" and seed 004, readable top to bottom as its specification:
// trial/active → grace → suspended → deleted, restored by an eligible license, deleted on request.
// Pure: the account workflow and the API advance it; notices come back as `notify` actions.
import { and, assign, setup, type SnapshotFrom } from 'xstate';
import { newCycle, reached, type CycleTimes } from '../lifecycle/cycle.js';
import { cycleActions, cycleGuards, notice } from '../lifecycle/cycle-rules.js';
import type { LapseDeadlineEvent } from '../lifecycle/deadlines.js';
import { durationMs } from '../lifecycle/duration.js';
import { noticeKey, type Notice } from '../lifecycle/notices.js';
import type { LifecyclePolicy } from '../lifecycle/policy.js';

export type AccountState = 'trial' | 'active' | 'grace' | 'suspended' | 'deleted';

export interface AccountInput {
  policy: LifecyclePolicy;
  createdAt: number;
  /** Whether the company's license group holds an eligible license right now (R9, allocation.ts). */
  hasEligibleLicense: boolean;
  startInTrial: boolean;
  seatsRequested: number;
}

/** A cycle runs from creation or a restore (R18) to the next restore. */
export interface AccountContext extends CycleTimes {
  /** The last license fact delivered: a whole fact, never a delta, so order and repetition don't matter. */
  hasEligibleLicense: boolean;
  /** Null when the account started without a trial (R10). */
  trialEndsAt: number | null;
  /** The seats the account asks its license group for; the engine decides which license lends each (R9). */
  seatsRequested: number;
}

/** Sent by the workflow when a timer fires; `at` is the workflow time it is applied. */
export type AccountDeadlineEvent = { type: 'trial.ended'; at: number } | LapseDeadlineEvent;

/** The license group's fact, sent whenever a license of the group changes; and the operator's requests. */
export type AccountOperationEvent =
  | { type: 'licenses.changed'; hasEligibleLicense: boolean; at: number }
  | { type: 'seats.changed'; seatsRequested: number; at: number }
  | { type: 'delete'; at: number };

export type AccountEvent = AccountDeadlineEvent | AccountOperationEvent;

/** A deadline before it fires, without its time: what the schedule plans. */
export type AccountScheduledEvent = Omit<AccountDeadlineEvent, 'at'>;

/**
 * Operator deletion, allowed from every state short of deleted. Listed in each state rather
 * than at the root so that snapshot.can() answers false once the account is deleted (409).
 */
const deletedByOperator = { target: 'deleted', actions: 'recordDeletion' } as const;

/** A new seat request, in every state short of deleted; the group is re-allocated after it is written. */
const seatsChangedByOperator = { actions: 'recordSeats' } as const;

/** R18: an eligible license restores a lapsed account at any point before deletion, in a new cycle. */
const restoredByEligibleLicense = [
  { guard: 'reportsEligibleLicense', target: 'active', actions: ['recordLicenses', 'startNewCycle', ...notice({ kind: 'restored' })] },
  { actions: 'recordLicenses' },
] as const;

export const accountMachine = setup({
  types: {
    context: {} as AccountContext,
    events: {} as AccountEvent,
    input: {} as AccountInput,
    tags: {} as 'protected',
  },
  guards: {
    startsInTrial: ({ context }) => context.trialEndsAt !== null,
    hasEligibleLicense: ({ context }) => context.hasEligibleLicense,
    reportsEligibleLicense: ({ event }) => event.type === 'licenses.changed' && event.hasEligibleLicense,
    reportsNoEligibleLicense: ({ event }) => event.type === 'licenses.changed' && !event.hasEligibleLicense,
    // Deadline events apply only once due and only once a cycle: a stale or repeated timer is ignored.
    trialOver: ({ context, event }) => reached(event.at, context.trialEndsAt),
    ...cycleGuards,
  },
  actions: {
    ...cycleActions<AccountContext, AccountEvent>(),
    recordSeats: assign(({ context, event }) => ({
      seatsRequested: event.type === 'seats.changed' ? event.seatsRequested : context.seatsRequested,
    })),
    recordLicenses: assign(({ context, event }) => ({
      hasEligibleLicense: event.type === 'licenses.changed' ? event.hasEligibleLicense : context.hasEligibleLicense,
    })),
  },
}).createMachine({
  id: 'account',
  context: ({ input }) => {
    // An account created with neither a trial nor an eligible license has nothing to run on:
    // it starts in grace at once, exactly as if its last license had just lapsed.
    const startsInGrace = !input.startInTrial && !input.hasEligibleLicense;
    return {
      policy: input.policy,
      hasEligibleLicense: input.hasEligibleLicense,
      trialEndsAt: input.startInTrial ? input.createdAt + durationMs(input.policy.trial) : null,
      seatsRequested: input.seatsRequested,
      ...newCycle(null, input.createdAt),
      graceStartedAt: startsInGrace ? input.createdAt : null,
      graceEndsAt: startsInGrace ? input.createdAt + durationMs(input.policy.grace) : null,
    };
  },
  initial: 'starting',
  states: {
    // Transient: picks the first real state from the input, never observed at rest.
    starting: {
      always: [
        { guard: 'startsInTrial', target: 'trial' },
        { guard: 'hasEligibleLicense', target: 'active' },
        { target: 'grace' },
      ],
    },

    // R10: a trial runs its full length whatever licenses come and go meanwhile.
    trial: {
      tags: ['protected'],
      on: {
        'licenses.changed': { actions: 'recordLicenses' },
        'trial.ended': [
          { guard: and(['trialOver', 'hasEligibleLicense']), target: 'active' },
          { guard: 'trialOver', target: 'grace', actions: 'startGraceNow' },
        ],
        'seats.changed': seatsChangedByOperator,
        delete: deletedByOperator,
      },
    },

    // R15: losing the last eligible license starts grace.
    active: {
      tags: ['protected'],
      on: {
        'licenses.changed': [
          { guard: 'reportsNoEligibleLicense', target: 'grace', actions: ['recordLicenses', 'startGraceNow'] },
          { actions: 'recordLicenses' },
        ],
        'seats.changed': seatsChangedByOperator,
        delete: deletedByOperator,
      },
    },

    // R11, R15: still protected; "will be suspended in <grace>", then a reminder halfway.
    grace: {
      tags: ['protected'],
      entry: notice({ kind: 'grace_started' }),
      on: {
        'licenses.changed': restoredByEligibleLicense,
        'grace.halfway': { guard: 'graceHalfwayDue', actions: notice({ kind: 'grace_halfway' }) },
        'grace.ended': { guard: 'graceOver', target: 'suspended', actions: 'suspendNow' },
        'seats.changed': seatsChangedByOperator,
        delete: deletedByOperator,
      },
    },

    // R16, R17: inaccessible and unprotected, data kept until deletion; R18: still restorable.
    suspended: {
      entry: notice({ kind: 'suspended' }),
      on: {
        'licenses.changed': restoredByEligibleLicense,
        'deletion.notice_due': { guard: 'deletionWarningDue', actions: notice({ kind: 'deletion_warning' }) },
        'retention.ended': { guard: 'retentionOver', target: 'deleted' },
        'seats.changed': seatsChangedByOperator,
        delete: deletedByOperator,
      },
    },

    deleted: {
      type: 'final',
      entry: notice({ kind: 'deleted' }),
    },
  },
});

export type AccountSnapshot = SnapshotFrom<typeof accountMachine>;
