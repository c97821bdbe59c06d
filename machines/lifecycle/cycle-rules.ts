// The guards and actions every lifecycle machine shares, named once so license and account
// speak one dialect: deadlines apply only once due and once a cycle, notices are remembered
// per cycle and emitted for the workflow to send, periods start when their event applies.
import { assign } from 'xstate';
import { deletionWarningAt, graceHalfwayAt, newCycle, reached, type CycleTimes } from './cycle.js';
import { durationMs } from './duration.js';
import { noticeKey, type Notice } from './notices.js';

type Args = { context: CycleTimes; event: { type: string; at: number } };

/** A notice as machine data: remembered for this cycle, then emitted for the workflow to send. */
export function notice<Params extends Notice | ((args: never) => Notice)>(params: Params) {
  return [
    { type: 'recordNotice', params },
    { type: 'notify', params },
  ] as const;
}

const unsent = (context: CycleTimes, key: string) => !context.noticesSent.includes(key);

export const cycleGuards = {
  graceHalfwayDue: ({ context, event }: Args) => reached(event.at, graceHalfwayAt(context)) && unsent(context, 'grace_halfway'),
  graceOver: ({ context, event }: Args) => reached(event.at, context.graceEndsAt),
  deletionWarningDue: ({ context, event }: Args) => reached(event.at, deletionWarningAt(context)) && unsent(context, 'deletion_warning'),
  retentionOver: ({ context, event }: Args) => reached(event.at, context.deletesAt),
};

/** Builds the shared actions for one machine's context and events, so each keeps its own types. */
export function cycleActions<Context extends CycleTimes, Event extends { type: string; at: number }>() {
  return {
    /** Executed by the workflow, which reads it from the actions `transition()` returns. */
    notify: (_: unknown, _notice: Notice) => {},
    recordNotice: assign<Context, Event, Notice, Event, never>(({ context }, notice) => ({
      noticesSent: unsent(context, noticeKey(notice)) ? [...context.noticesSent, noticeKey(notice)] : context.noticesSent,
    }) as Partial<Context>),
    startGraceNow: assign<Context, Event, undefined, Event, never>(({ context, event }) => ({
      graceStartedAt: event.at,
      graceEndsAt: event.at + durationMs(context.policy.grace),
    }) as Partial<Context>),
    suspendNow: assign<Context, Event, undefined, Event, never>(({ context, event }) => ({
      suspendedAt: event.at,
      deletesAt: event.at + durationMs(context.policy.suspension),
    }) as Partial<Context>),
    /** A renewal or restore opens a new cycle: notices may go out again, the old grace and suspension are over. */
    startNewCycle: assign<Context, Event, undefined, Event, never>(({ context, event }) => newCycle(context, event.at) as Partial<Context>),
    recordDeletion: assign<Context, Event, undefined, Event, never>(({ event }) => ({ deletesAt: event.at }) as Partial<Context>),
  };
}
