// The lifecycle of an account (a product instance of a company, e.g. a cloud office
// security tenant), DESIGN §3 "Account" and seed 004. Pure: the account workflow and
// the API advance it with xstate's transition(); notices come back as `notify` actions.
import { and, assign, initialTransition, setup, transition, type SnapshotFrom } from 'xstate';
import type { CycleNoticeKind, CycleTimes } from '../lifecycle/cycle.js';
import { durationMs } from '../lifecycle/duration.js';
import type { LifecyclePolicy } from '../lifecycle/policy.js';

export type AccountState = 'trial' | 'active' | 'grace' | 'suspended' | 'deleted';

export type NoticeKind = CycleNoticeKind;

export interface AccountInput {
  policy: LifecyclePolicy;
  createdAt: number;
  /** Whether the company's license group holds an eligible license right now (R9, allocation.ts). */
  hasEligibleLicense: boolean;
  startInTrial: boolean;
}

/** A cycle runs from creation or a restore (R18) to the next restore. */
export interface AccountContext extends CycleTimes {
  /** The last license fact delivered: a whole fact, never a delta, so order and repetition don't matter. */
  hasEligibleLicense: boolean;
  /** Null when the account started without a trial. */
  trialEndsAt: number | null;
  /** Notice kinds already sent in this cycle. */
  noticesSent: NoticeKind[];
}

export type AccountEvent =
  | { type: 'licenses.changed'; hasEligibleLicense: boolean; at: number }
  | { type: 'trial.ended'; at: number }
  | { type: 'grace.halfway'; at: number }
  | { type: 'grace.ended'; at: number }
  | { type: 'deletion.notice_due'; at: number }
  | { type: 'retention.ended'; at: number }
  | { type: 'delete'; at: number };

/** Instant of the halfway reminder (R15); shared by the guard and the schedule so they cannot disagree. */
export function graceHalfwayAt(context: AccountContext): number | null {
  if (context.graceStartedAt === null || context.graceEndsAt === null) return null;
  return context.graceStartedAt + Math.floor((context.graceEndsAt - context.graceStartedAt) / 2);
}

/** Instant of the deletion warning: policy.deletionNotice before deletion (R17). */
export function deletionWarningAt(context: AccountContext): number | null {
  if (context.deletesAt === null) return null;
  return context.deletesAt - durationMs(context.policy.deletionNotice);
}

/** A notice as machine data: remember it for this cycle, then emit it for the workflow to send. */
function notice(kind: NoticeKind) {
  return [
    { type: 'recordNotice', params: { kind } },
    { type: 'notify', params: { kind } },
  ] as const;
}

function initialContext({ policy, createdAt, hasEligibleLicense, startInTrial }: AccountInput): AccountContext {
  // An account created with neither a trial nor an eligible license has nothing to run on:
  // it starts in grace at once, exactly as if its last license had just lapsed.
  const startsInGrace = !startInTrial && !hasEligibleLicense;
  return {
    policy,
    hasEligibleLicense,
    trialEndsAt: startInTrial ? createdAt + durationMs(policy.trial) : null,
    cycle: 1,
    cycleStartedAt: createdAt,
    graceStartedAt: startsInGrace ? createdAt : null,
    graceEndsAt: startsInGrace ? createdAt + durationMs(policy.grace) : null,
    suspendedAt: null,
    deletesAt: null,
    noticesSent: [],
  };
}

/**
 * Operator deletion, allowed from every state short of deleted. Listed in each state rather
 * than at the root so that snapshot.can() answers false once the account is deleted (409).
 */
const deletedByOperator = { target: 'deleted', actions: 'recordDeletion' } as const;

/** R18: an eligible license restores a lapsed account at any point before deletion, in a new cycle. */
const restoredByEligibleLicense = [
  { guard: 'reportsEligibleLicense', target: 'active', actions: ['recordLicenses', 'startNewCycle', ...notice('restored')] },
  { actions: 'recordLicenses' },
] as const;

const reached = (at: number, deadline: number | null) => deadline !== null && at >= deadline;

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
    // Deadline events are accepted only once due: a stale timer (from an earlier cycle, or
    // fired early) is ignored instead of cutting a period short.
    trialOver: ({ context, event }) => reached(event.at, context.trialEndsAt),
    graceHalfwayDue: ({ context, event }) =>
      reached(event.at, graceHalfwayAt(context)) && !context.noticesSent.includes('grace_halfway'),
    graceOver: ({ context, event }) => reached(event.at, context.graceEndsAt),
    deletionWarningDue: ({ context, event }) =>
      reached(event.at, deletionWarningAt(context)) && !context.noticesSent.includes('deletion_warning'),
    retentionOver: ({ context, event }) => reached(event.at, context.deletesAt),
  },
  actions: {
    /** Implemented by the caller: the workflow reads it back from transition() and sends the e-mail. */
    notify: (_, _params: { kind: NoticeKind }) => {},
    recordNotice: assign(({ context }, { kind }: { kind: NoticeKind }) => ({
      noticesSent: context.noticesSent.includes(kind) ? context.noticesSent : [...context.noticesSent, kind],
    })),
    recordLicenses: assign(({ context, event }) => ({
      hasEligibleLicense: event.type === 'licenses.changed' ? event.hasEligibleLicense : context.hasEligibleLicense,
    })),
    // Periods start when the event is applied, not when it was due: a late timer then
    // lengthens what follows rather than shortening what the customer was told (R15, R17).
    startGrace: assign(({ context, event }) => ({
      graceStartedAt: event.at,
      graceEndsAt: event.at + durationMs(context.policy.grace),
    })),
    suspend: assign(({ context, event }) => ({
      suspendedAt: event.at,
      deletesAt: event.at + durationMs(context.policy.suspension),
    })),
    startNewCycle: assign(({ context, event }) => ({
      cycle: context.cycle + 1,
      cycleStartedAt: event.at,
      graceStartedAt: null,
      graceEndsAt: null,
      suspendedAt: null,
      deletesAt: null,
      noticesSent: [],
    })),
    recordDeletion: assign(({ event }) => ({ deletesAt: event.at })),
  },
}).createMachine({
  id: 'account',
  context: ({ input }) => initialContext(input),
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
          { guard: 'trialOver', target: 'grace', actions: 'startGrace' },
        ],
        delete: deletedByOperator,
      },
    },

    // R15: losing the last eligible license starts grace.
    active: {
      tags: ['protected'],
      on: {
        'licenses.changed': [
          { guard: 'reportsNoEligibleLicense', target: 'grace', actions: ['recordLicenses', 'startGrace'] },
          { actions: 'recordLicenses' },
        ],
        delete: deletedByOperator,
      },
    },

    // R11, R15: still protected; "will be suspended in <grace>", then a reminder halfway.
    grace: {
      tags: ['protected'],
      entry: notice('grace_started'),
      on: {
        'licenses.changed': restoredByEligibleLicense,
        'grace.halfway': { guard: 'graceHalfwayDue', actions: notice('grace_halfway') },
        'grace.ended': { guard: 'graceOver', target: 'suspended', actions: 'suspend' },
        delete: deletedByOperator,
      },
    },

    // R16, R17: inaccessible and unprotected, data kept until deletion; R18: still restorable.
    suspended: {
      entry: notice('suspended'),
      on: {
        'licenses.changed': restoredByEligibleLicense,
        'deletion.notice_due': { guard: 'deletionWarningDue', actions: notice('deletion_warning') },
        'retention.ended': { guard: 'retentionOver', target: 'deleted', actions: 'recordDeletion' },
        delete: deletedByOperator,
      },
    },

    deleted: {
      type: 'final',
      entry: notice('deleted'),
    },
  },
});

export type AccountSnapshot = SnapshotFrom<typeof accountMachine>;

export interface AccountStep {
  snapshot: AccountSnapshot;
  /** Notices to send, in order; each is new for this cycle. */
  notices: NoticeKind[];
}

export interface AccountTransition extends AccountStep {
  /** False when the event was not accepted or repeated a fact already known. */
  changed: boolean;
}

/** The account's state; `starting` is transient and never returned by the helpers below. */
export function accountStateOf(snapshot: AccountSnapshot): AccountState {
  return snapshot.value as AccountState;
}

/** R16: users are protected in trial, active and grace; not from suspension on. */
export function isProtected(snapshot: AccountSnapshot): boolean {
  return snapshot.hasTag('protected');
}

export function startAccount(input: AccountInput): AccountStep {
  const [snapshot, actions] = initialTransition(accountMachine, input);
  return { snapshot, notices: noticesOf(actions) };
}

export function applyAccountEvent(snapshot: AccountSnapshot, event: AccountEvent): AccountTransition {
  const [next, actions] = transition(accountMachine, snapshot, event);
  const notices = noticesOf(actions);
  return { snapshot: next, notices, changed: notices.length > 0 || !sameSnapshot(snapshot, next) };
}

/** Rebuilds a snapshot from its persisted projection (e.g. after continueAsNew or in the API). */
export function restoreAccount(value: AccountState, context: AccountContext): AccountSnapshot {
  return accountMachine.resolveState({ value, context });
}

function noticesOf(actions: ReadonlyArray<{ type: string; params?: unknown }>): NoticeKind[] {
  return actions
    .filter((action) => action.type === 'notify')
    .map((action) => (action.params as { kind: NoticeKind }).kind);
}

function sameSnapshot(before: AccountSnapshot, after: AccountSnapshot): boolean {
  return (
    before.value === after.value &&
    before.status === after.status &&
    JSON.stringify(before.context) === JSON.stringify(after.context)
  );
}
