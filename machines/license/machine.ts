// The license lifecycle (DESIGN §3): trial/active → grace → suspended → deleted, with renew,
// suspend, resume and cancel. Pure: the workflow feeds it deadline events when its timers fire
// and operations when callers ask; the API asks it whether an operation is legal (409 if not).
import { and, assertEvent, assign, initialTransition, setup, transition } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { capabilitiesOf, type AccountType } from '../lifecycle/capabilities.js';
import type { CycleNoticeKind, CycleTimes } from '../lifecycle/cycle.js';
import { durationMs } from '../lifecycle/duration.js';
import type { LifecyclePolicy } from '../lifecycle/policy.js';

export type LicenseState = 'trial' | 'active' | 'grace' | 'suspended' | 'deleted';

export type NoticeKind = 'expiring' | CycleNoticeKind;

/** One e-mail to send; `offset` tells which expiring notice (P30D, P7D …). */
export interface Notice {
  kind: NoticeKind;
  offset?: string;
}

export interface LicenseInput {
  policy: LifecyclePolicy;
  accountType: AccountType | null;
  term: 'annual' | 'monthly' | 'trial';
  /** All times are milliseconds since the epoch. */
  expiresAt: number;
  issuedAt: number;
}

/** Renew and resume start a new cycle. */
export interface LicenseContext extends CycleTimes {
  accountType: AccountType | null;
  expiresAt: number;
  /**
   * Deadline notices already sent this cycle (`expiring:P7D`, `grace_halfway`, `deletion_warning`),
   * so none is scheduled or sent twice. Notices of transitions need no record: each transition
   * happens at most once per cycle.
   */
  noticesSent: string[];
}

/** Sent by the workflow when a timer fires; `at` is the workflow time it is applied. */
export type DeadlineEvent =
  | { type: 'expiry.notice_due'; offset: string; at: number }
  | { type: 'expiry.reached'; at: number }
  | { type: 'grace.halfway'; at: number }
  | { type: 'grace.ended'; at: number }
  | { type: 'deletion.notice_due'; at: number }
  | { type: 'retention.ended'; at: number };

/** Asked for by API callers. */
export type OperationEvent =
  | { type: 'renew'; expiresAt: number; at: number }
  | { type: 'suspend'; at: number }
  | { type: 'resume'; at: number }
  | { type: 'cancel'; at: number };

export type LicenseEvent = DeadlineEvent | OperationEvent;

/** A deadline event before it fires, without its time: what the schedule plans. */
export type ScheduledEvent = DeadlineEvent extends infer E ? (E extends DeadlineEvent ? Omit<E, 'at'> : never) : never;

type NoticeDeadline = Extract<ScheduledEvent, { type: 'expiry.notice_due' | 'grace.halfway' | 'deletion.notice_due' }>;

/** The notice a deadline event announces. */
export function noticeOfDeadline(event: NoticeDeadline): Notice {
  switch (event.type) {
    case 'expiry.notice_due':
      return { kind: 'expiring', offset: event.offset };
    case 'grace.halfway':
      return { kind: 'grace_halfway' };
    case 'deletion.notice_due':
      return { kind: 'deletion_warning' };
  }
}

/** `expiring:P7D`, `grace_halfway` …: a notice's name within its cycle; with the cycle it is the send-once key (R19). */
export function noticeKey(notice: Notice): string {
  return notice.offset === undefined ? notice.kind : `${notice.kind}:${notice.offset}`;
}

function isNoticeDeadline(event: LicenseEvent): event is Extract<DeadlineEvent, { type: NoticeDeadline['type'] }> {
  return event.type === 'expiry.notice_due' || event.type === 'grace.halfway' || event.type === 'deletion.notice_due';
}

/** The start event (`xstate.init`) carries the input; it is not one of the license's own events. */
function inputOfStart(event: LicenseEvent): LicenseInput {
  return (event as unknown as { input: LicenseInput }).input;
}

/** Params of the expiring notice, which carries the offset of the deadline that fired. */
const expiringNotice = ({ event }: { event: Extract<LicenseEvent, { type: 'expiry.notice_due' }> }): Notice =>
  noticeOfDeadline(event);

/** Manual suspension, e.g. for non-payment: legal in every state that still protects. */
const suspendedByOperator = {
  target: 'suspended',
  actions: ['suspendNow', { type: 'notify', params: { kind: 'suspended' } }],
} as const;

/** R13: deletion here only where the license's account type allows deleting a product. */
const deletedByOperator = {
  guard: 'deletableByAccountType',
  target: 'deleted',
  actions: { type: 'notify', params: { kind: 'deleted' } },
} as const;

/**
 * What can happen to a license within its term, trial or paid alike: notices before expiry,
 * expiry itself, renewal, manual suspension and deletion. A trial renewed becomes paid.
 */
const inTerm = {
  'expiry.notice_due': {
    guard: 'noticeNotYetSent',
    actions: ['recordNotice', { type: 'notify', params: expiringNotice }],
  },
  'expiry.reached': {
    target: 'grace',
    actions: ['startGraceAtExpiry', { type: 'notify', params: { kind: 'grace_started' } }],
  },
  renew: {
    guard: and(['renewableByAccountType', 'renewalEndsInFuture']),
    target: 'active',
    actions: ['startNewCycle', 'extendExpiry'],
  },
  suspend: suspendedByOperator,
  cancel: deletedByOperator,
} as const;

export const licenseMachine = setup({
  types: {
    input: {} as LicenseInput,
    context: {} as LicenseContext,
    events: {} as LicenseEvent,
    tags: {} as 'protected',
  },
  guards: {
    /** Read from the input carried by the machine's start event, the only event `issued` sees. */
    trialTerm: ({ event }) => inputOfStart(event).term === 'trial',
    /** R13: partner platforms renew here; customer portals renew upstream. */
    renewableByAccountType: ({ context }) => capabilitiesOf(context.accountType).renew,
    /** R13: only customer portals (and API-created licenses) may delete a product. */
    deletableByAccountType: ({ context }) => capabilitiesOf(context.accountType).deleteProduct,
    renewalEndsInFuture: ({ event }) => {
      assertEvent(event, 'renew');
      return event.expiresAt > event.at;
    },
    notYetExpired: ({ context, event }) => context.expiresAt > event.at,
    /** A notice deadline that already fired this cycle (a replayed or duplicated timer) is ignored (R19). */
    noticeNotYetSent: ({ context, event }) =>
      isNoticeDeadline(event) && !context.noticesSent.includes(noticeKey(noticeOfDeadline(event))),
  },
  actions: {
    /** Executed by the workflow, which reads it from the actions `transition()` returns. */
    notify: (_, _notice: Notice) => {},
    recordNotice: assign({
      noticesSent: ({ context, event }) =>
        isNoticeDeadline(event) ? [...context.noticesSent, noticeKey(noticeOfDeadline(event))] : context.noticesSent,
    }),
    startGraceAtExpiry: assign({
      graceStartedAt: ({ context }) => context.expiresAt,
      graceEndsAt: ({ context }) => context.expiresAt + durationMs(context.policy.grace),
    }),
    startGraceNow: assign({
      graceStartedAt: ({ event }) => event.at,
      graceEndsAt: ({ context, event }) => event.at + durationMs(context.policy.grace),
    }),
    suspendAtGraceEnd: assign(({ context }) => {
      const suspendedAt = context.graceEndsAt ?? context.expiresAt + durationMs(context.policy.grace);
      return { suspendedAt, deletesAt: suspendedAt + durationMs(context.policy.suspension) };
    }),
    suspendNow: assign({
      suspendedAt: ({ event }) => event.at,
      deletesAt: ({ context, event }) => event.at + durationMs(context.policy.suspension),
    }),
    /** Renew and resume open a new cycle: notices may go out again, the grace and suspension of the old one are over. */
    startNewCycle: assign({
      cycle: ({ context }) => context.cycle + 1,
      cycleStartedAt: ({ event }) => event.at,
      noticesSent: () => [],
      graceStartedAt: null,
      graceEndsAt: null,
      suspendedAt: null,
      deletesAt: null,
    }),
    extendExpiry: assign({
      expiresAt: ({ event }) => {
        assertEvent(event, 'renew');
        return event.expiresAt;
      },
    }),
  },
}).createMachine({
  id: 'license',
  context: ({ input }) => ({
    policy: input.policy,
    accountType: input.accountType,
    expiresAt: input.expiresAt,
    cycle: 1,
    cycleStartedAt: input.issuedAt,
    graceStartedAt: null,
    graceEndsAt: null,
    suspendedAt: null,
    deletesAt: null,
    noticesSent: [],
  }),
  initial: 'issued',
  states: {
    // Not a resting state: a license starts in trial or active by its term, in the same step.
    issued: {
      always: [{ guard: 'trialTerm', target: 'trial' }, { target: 'active' }],
    },
    // R10: a trial lives until its expiry like any term; renewing it makes it a paid license.
    trial: {
      tags: ['protected'],
      on: inTerm,
    },
    active: {
      tags: ['protected'],
      on: inTerm,
    },
    // R11: expired, but still protecting until grace ends.
    grace: {
      tags: ['protected'],
      on: {
        'grace.halfway': {
          guard: 'noticeNotYetSent',
          actions: ['recordNotice', { type: 'notify', params: { kind: 'grace_halfway' } }],
        },
        'grace.ended': {
          target: 'suspended',
          actions: ['suspendAtGraceEnd', { type: 'notify', params: { kind: 'suspended' } }],
        },
        renew: {
          guard: and(['renewableByAccountType', 'renewalEndsInFuture']),
          target: 'active',
          actions: ['startNewCycle', 'extendExpiry', { type: 'notify', params: { kind: 'restored' } }],
        },
        suspend: suspendedByOperator,
        cancel: deletedByOperator,
      },
    },
    // R12: nothing protected, data kept until retention ends.
    suspended: {
      on: {
        'deletion.notice_due': {
          guard: 'noticeNotYetSent',
          actions: ['recordNotice', { type: 'notify', params: { kind: 'deletion_warning' } }],
        },
        'retention.ended': {
          target: 'deleted',
          actions: { type: 'notify', params: { kind: 'deleted' } },
        },
        renew: {
          guard: and(['renewableByAccountType', 'renewalEndsInFuture']),
          target: 'active',
          actions: ['startNewCycle', 'extendExpiry', { type: 'notify', params: { kind: 'restored' } }],
        },
        // A resumed license whose expiry has passed gets a fresh grace period, not protection for free.
        resume: [
          {
            guard: 'notYetExpired',
            target: 'active',
            actions: ['startNewCycle', { type: 'notify', params: { kind: 'restored' } }],
          },
          {
            target: 'grace',
            actions: ['startNewCycle', 'startGraceNow', { type: 'notify', params: { kind: 'grace_started' } }],
          },
        ],
        cancel: deletedByOperator,
      },
    },
    deleted: {
      type: 'final',
    },
  },
});

export type LicenseSnapshot = SnapshotFrom<typeof licenseMachine>;

/** The first snapshot of a license and the notices it sends (none today). */
export function startLicense(input: LicenseInput): [LicenseSnapshot, Notice[]] {
  const [snapshot, actions] = initialTransition(licenseMachine, input);
  return [snapshot, noticesOf(actions)];
}

/** Applies one event; `changed` is false, and nothing happens, when the machine does not accept it. */
export function applyLicenseEvent(
  snapshot: LicenseSnapshot,
  event: LicenseEvent,
): { snapshot: LicenseSnapshot; notices: Notice[]; changed: boolean } {
  if (!canApply(snapshot, event)) return { snapshot, notices: [], changed: false };
  const [next, actions] = transition(licenseMachine, snapshot, event);
  return { snapshot: next, notices: noticesOf(actions), changed: true };
}

/** Whether the machine accepts the event now: the API answers 409 when it does not. */
export function canApply(snapshot: LicenseSnapshot, event: LicenseEvent): boolean {
  return snapshot.status === 'active' && snapshot.can(event);
}

/** Rebuilds a snapshot from its projection (state and context), e.g. from the database or after continueAsNew. */
export function restoreLicense(value: LicenseState, context: LicenseContext): LicenseSnapshot {
  return licenseMachine.resolveState({ value, context });
}

export function stateOf(snapshot: LicenseSnapshot): LicenseState {
  return snapshot.value as LicenseState;
}

function noticesOf(actions: ReturnType<typeof transition<typeof licenseMachine>>[1]): Notice[] {
  return actions.flatMap((action) => (action.type === 'notify' ? [action.params as Notice] : []));
}
