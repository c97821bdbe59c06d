// The license lifecycle (DESIGN §3), readable top to bottom as its specification:
// trial/active → grace → suspended → deleted, with renew, suspend, resume and delete, and
// the renewals a source reads upstream.
// Pure: the workflow feeds it deadline events when its timers fire and operations when
// callers ask; the API asks it whether an operation is legal (409 if not).
import { and, assertEvent, assign, setup, type SnapshotFrom } from 'xstate';
import { capabilitiesOf, type AccountType } from '../lifecycle/capabilities.js';
import { newCycle, reached, type CycleTimes } from '../lifecycle/cycle.js';
import { cycleActions, cycleGuards, notice } from '../lifecycle/cycle-rules.js';
import type { LapseDeadlineEvent } from '../lifecycle/deadlines.js';
import { durationMs } from '../lifecycle/duration.js';
import { noticeKey, type Notice } from '../lifecycle/notices.js';
import type { LifecyclePolicy } from '../lifecycle/policy.js';

export type LicenseState = 'trial' | 'active' | 'grace' | 'suspended' | 'deleted';
export type LicenseTerm = 'annual' | 'monthly' | 'trial';
/** What a converted trial may become (M5): a paid term. */
export type PaidTerm = Exclude<LicenseTerm, 'trial'>;

export interface LicenseInput {
  policy: LifecyclePolicy;
  accountType: AccountType | null;
  term: LicenseTerm;
  /** When the issued term ends; a trial issued without one lasts the policy's trial (R10). All times are ms since the epoch. */
  expiresAt: number | null;
  issuedAt: number;
}

export interface LicenseContext extends CycleTimes {
  accountType: AccountType | null;
  /** A trial renewed becomes the paid term it was renewed into (M5). */
  term: LicenseTerm;
  expiresAt: number;
}

/** Sent by the workflow when a timer fires; `at` is the workflow time it is applied. */
export type LicenseDeadlineEvent = { type: 'expiry.notice_due'; offset: string; at: number } | { type: 'expiry.reached'; at: number } | LapseDeadlineEvent;

/** Asked for by API callers. `term` names what a trial converts into; other terms keep theirs. */
export type LicenseOperationEvent =
  | { type: 'renew'; expiresAt: number; term?: PaidTerm; at: number }
  | { type: 'suspend'; at: number }
  | { type: 'resume'; at: number }
  | { type: 'delete'; at: number };

/**
 * Read upstream by a sync (DESIGN §5): the customer renewed at the vendor, so Tenure follows
 * whatever the account type lets callers do here (R13). `term` is the upstream's paid term.
 */
export type LicenseUpstreamEvent = { type: 'upstream.renewed'; expiresAt: number; term?: PaidTerm; at: number };

export type LicenseEvent = LicenseDeadlineEvent | LicenseOperationEvent | LicenseUpstreamEvent;

/** A deadline before it fires, without its time: what the schedule plans. */
export type LicenseScheduledEvent = LicenseDeadlineEvent extends infer E ? (E extends LicenseDeadlineEvent ? Omit<E, 'at'> : never) : never;

/** The instant an expiring notice is due: its offset before expiry. */
export function expiringNoticeAt(context: Pick<LicenseContext, 'expiresAt'>, offset: string): number {
  return context.expiresAt - durationMs(offset);
}

/** The start event (`xstate.init`) carries the input; it is not one of the license's own events. */
function inputOfStart(event: LicenseEvent): LicenseInput {
  return (event as unknown as { input: LicenseInput }).input;
}

const expiringNotice = ({ event }: { event: LicenseEvent }): Notice => {
  assertEvent(event, 'expiry.notice_due');
  return { kind: 'expiring', offset: event.offset };
};

/** Manual suspension, e.g. for non-payment: legal in every state that still protects. */
const suspendedByOperator = { target: 'suspended', actions: 'suspendNow' } as const;

/** R13: deletion here only where the license's account type allows deleting a product. */
const deletedByOperator = { guard: 'deletableByAccountType', target: 'deleted', actions: 'recordDeletion' } as const;

/** R13: partner platforms renew here; customer portals renew upstream. A renewal opens a new cycle. */
const renewed = {
  guard: and(['renewableByAccountType', 'renewalEndsInFuture']),
  target: 'active',
  actions: ['startNewCycle', 'extendExpiry'],
} as const;

/** From grace or suspension, a renewal restores the license and says so. */
const restoredByRenewal = { ...renewed, actions: [...renewed.actions, ...notice({ kind: 'restored' })] } as const;

/** Renewed upstream: the same new cycle, whatever the account type (the vendor already said yes). */
const renewedUpstream = { guard: 'renewalEndsInFuture', target: 'active', actions: ['startNewCycle', 'extendExpiry'] } as const;
const restoredUpstream = { ...renewedUpstream, actions: [...renewedUpstream.actions, ...notice({ kind: 'restored' })] } as const;

/**
 * What can happen to a license within its term, trial or paid alike: notices before expiry,
 * expiry itself, renewal, manual suspension and deletion.
 */
const inTerm = {
  'expiry.notice_due': { guard: 'expiringNoticeDue', actions: notice(expiringNotice) },
  'expiry.reached': { guard: 'expiryReached', target: 'grace', actions: 'startGraceAtExpiry' },
  renew: renewed,
  'upstream.renewed': renewedUpstream,
  suspend: suspendedByOperator,
  delete: deletedByOperator,
} as const;

export const licenseMachine = setup({
  types: {
    input: {} as LicenseInput,
    context: {} as LicenseContext,
    events: {} as LicenseEvent,
    /** `inTerm`: trial or active, before expiry — where the expiry deadlines run. */
    tags: {} as 'protected' | 'inTerm',
  },
  guards: {
    /** Read from the input carried by the machine's start event, the only event `issued` sees. */
    trialTerm: ({ event }) => inputOfStart(event).term === 'trial',
    renewableByAccountType: ({ context }) => capabilitiesOf(context.accountType).renew,
    deletableByAccountType: ({ context }) => capabilitiesOf(context.accountType).deleteProduct,
    renewalEndsInFuture: ({ event }) => {
      assertEvent(event, ['renew', 'upstream.renewed']);
      return event.expiresAt > event.at;
    },
    notYetExpired: ({ context, event }) => context.expiresAt > event.at,
    // Deadline events apply only once due and only once a cycle: a stale or repeated timer is ignored.
    expiringNoticeDue: ({ context, event }) => {
      assertEvent(event, 'expiry.notice_due');
      const due: Notice = { kind: 'expiring', offset: event.offset };
      return reached(event.at, expiringNoticeAt(context, event.offset)) && !context.noticesSent.includes(noticeKey(due));
    },
    expiryReached: ({ context, event }) => reached(event.at, context.expiresAt),
    ...cycleGuards,
  },
  actions: {
    ...cycleActions<LicenseContext, LicenseEvent>(),
    // R11: grace counts from the expiry date the customer was told, even when the timer fires late.
    startGraceAtExpiry: assign(({ context }) => ({
      graceStartedAt: context.expiresAt,
      graceEndsAt: context.expiresAt + durationMs(context.policy.grace),
    })),
    suspendAtGraceEnd: assign(({ context }) => {
      const suspendedAt = context.graceEndsAt ?? context.expiresAt + durationMs(context.policy.grace);
      return { suspendedAt, deletesAt: suspendedAt + durationMs(context.policy.suspension) };
    }),
    extendExpiry: assign(({ context, event }) => {
      assertEvent(event, ['renew', 'upstream.renewed']);
      return { expiresAt: event.expiresAt, term: context.term === 'trial' ? (event.term ?? 'annual') : context.term };
    }),
  },
}).createMachine({
  id: 'license',
  context: ({ input }) => ({
    policy: input.policy,
    accountType: input.accountType,
    term: input.term,
    expiresAt: input.expiresAt ?? input.issuedAt + durationMs(input.policy.trial),
    ...newCycle(null, input.issuedAt),
  }),
  initial: 'issued',
  states: {
    // Not a resting state: a license starts in trial or active by its term, in the same step.
    issued: {
      always: [{ guard: 'trialTerm', target: 'trial' }, { target: 'active' }],
    },

    // R10: a trial lives until its expiry like any term; renewing it makes it a paid license (M5).
    trial: {
      tags: ['protected', 'inTerm'],
      on: inTerm,
    },

    active: {
      tags: ['protected', 'inTerm'],
      on: inTerm,
    },

    // R11: expired, but still protecting until grace ends; a reminder halfway.
    grace: {
      tags: ['protected'],
      entry: notice({ kind: 'grace_started' }),
      on: {
        'grace.halfway': { guard: 'graceHalfwayDue', actions: notice({ kind: 'grace_halfway' }) },
        'grace.ended': { guard: 'graceOver', target: 'suspended', actions: 'suspendAtGraceEnd' },
        renew: restoredByRenewal,
        'upstream.renewed': restoredUpstream,
        suspend: suspendedByOperator,
        delete: deletedByOperator,
      },
    },

    // R12: nothing protected, data kept until retention ends; a warning before deletion.
    suspended: {
      entry: notice({ kind: 'suspended' }),
      on: {
        'deletion.notice_due': { guard: 'deletionWarningDue', actions: notice({ kind: 'deletion_warning' }) },
        'retention.ended': { guard: 'retentionOver', target: 'deleted' },
        renew: restoredByRenewal,
        'upstream.renewed': restoredUpstream,
        // A resumed license whose expiry has passed gets a fresh grace period, not protection for free.
        resume: [
          { guard: 'notYetExpired', target: 'active', actions: ['startNewCycle', ...notice({ kind: 'restored' })] },
          { target: 'grace', actions: ['startNewCycle', 'startGraceNow'] },
        ],
        delete: deletedByOperator,
      },
    },

    deleted: {
      type: 'final',
      entry: notice({ kind: 'deleted' }),
    },
  },
});

export type LicenseSnapshot = SnapshotFrom<typeof licenseMachine>;
