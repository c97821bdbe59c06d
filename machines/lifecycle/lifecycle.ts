// What every lifecycle machine offers its workflow and the API, built once from the machine
// itself: start, apply an event, restore from a projection, ask whether an event is legal,
// and read the deadlines ahead. License and account speak it alike (DESIGN §4 "one dialect").
import { initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import type { Notice, SubjectType } from './notices.js';

/** A deadline event before it fires (`{ type: 'grace.ended' }`, `{ type: 'expiry.notice_due', offset }`). */
export interface ScheduledEvent {
  type: string;
  offset?: string;
}

/** When the next thing happens by itself: one shape for every lifecycle. */
export interface Deadline<Scheduled extends ScheduledEvent = ScheduledEvent> {
  event: Scheduled;
  at: number;
}

/** One step of a timeline: the deadline, the state before and after, and the notices it sends. */
export interface TimelineEntry<State extends string = string, Scheduled extends ScheduledEvent = ScheduledEvent> {
  at: number;
  event: Scheduled;
  from: State;
  to: State;
  notices: Notice[];
}

/** The result of one event: the next snapshot, the notices it sends, and whether anything changed. */
export interface Step<Snapshot> {
  snapshot: Snapshot;
  notices: Notice[];
  changed: boolean;
}

/** Guards against a machine that would refuse its own deadline; far above any real lifecycle. */
const MAX_TIMELINE_STEPS = 64;

/** The types one lifecycle is made of; each machine module names its own. */
export interface LifecycleTypes {
  snapshot: AnyMachineSnapshot;
  state: string;
  event: { type: string; at: number };
  input: unknown;
  scheduled: ScheduledEvent;
}

export function defineLifecycle<T extends LifecycleTypes>(
  machine: AnyStateMachine,
  options: {
    subject: SubjectType;
    /** The current state's deadlines that have not fired yet, earliest first. */
    pendingDeadlines: (snapshot: T['snapshot']) => Deadline<T['scheduled']>[];
  },
) {
  type Snapshot = T['snapshot'];
  type Event = T['event'];
  type State = T['state'];
  type Scheduled = T['scheduled'];

  const stateOf = (snapshot: Snapshot): State => snapshot.value as State;

  /** Whether the machine accepts the event now: the API answers 409 before calling Temporal when it does not. */
  const canApply = (snapshot: Snapshot, event: Event): boolean => snapshot.status === 'active' && snapshot.can(event);

  const noticesOf = (actions: ReadonlyArray<{ type: string; params?: unknown }>): Notice[] =>
    actions.flatMap((action) => (action.type === 'notify' ? [action.params as Notice] : []));

  /** Applies one event; `changed` is false, and nothing happens, when the machine refuses it or it repeats a known fact. */
  const apply = (snapshot: Snapshot, event: Event): Step<Snapshot> => {
    if (!canApply(snapshot, event)) return { snapshot, notices: [], changed: false };
    const [next, actions] = transition(machine, snapshot, event);
    const notices = noticesOf(actions);
    return { snapshot: next as Snapshot, notices, changed: notices.length > 0 || !sameSnapshot(snapshot, next) };
  };

  const pendingDeadlines = options.pendingDeadlines;
  const nextDeadline = (snapshot: Snapshot): Deadline<Scheduled> | undefined => pendingDeadlines(snapshot)[0];

  return {
    subject: options.subject,
    machine,
    stateOf,
    /** R11, R16: whether the subject still protects its users (the machine's `protected` tag). */
    isProtected: (snapshot: Snapshot): boolean => snapshot.hasTag('protected'),
    canApply,
    apply,
    pendingDeadlines,
    nextDeadline,

    /** The first snapshot and the notices it sends. */
    start(input: T['input']): Step<Snapshot> {
      const [snapshot, actions] = initialTransition(machine, input);
      return { snapshot: snapshot as Snapshot, notices: noticesOf(actions), changed: true };
    },

    /** Rebuilds a snapshot from its projection (state and context), e.g. from the database or after continueAsNew. */
    restore(state: State, context: Snapshot['context']): Snapshot {
      return machine.resolveState({ value: state, context }) as Snapshot;
    },

    /**
     * Every upcoming transition and notice until deletion, if nobody acts: the machine is played
     * forward on its own deadlines, so the timeline cannot disagree with what the workflow will do.
     */
    timeline(snapshot: Snapshot): TimelineEntry<State, Scheduled>[] {
      const timeline: TimelineEntry<State, Scheduled>[] = [];
      let current = snapshot;
      for (let step = 0; step < MAX_TIMELINE_STEPS; step++) {
        const deadline = nextDeadline(current);
        if (!deadline) break;
        const applied = apply(current, { ...deadline.event, at: deadline.at } as Event);
        if (!applied.changed) break;
        timeline.push({ at: deadline.at, event: deadline.event, from: stateOf(current), to: stateOf(applied.snapshot), notices: applied.notices });
        current = applied.snapshot;
      }
      return timeline;
    },
  };
}

/** A lifecycle as defineLifecycle builds it; workflows and API hold license and account alike through it. */
export type Lifecycle<T extends LifecycleTypes> = ReturnType<typeof defineLifecycle<T>>;

function sameSnapshot(before: { value: unknown; status: string; context: unknown }, after: typeof before): boolean {
  return before.value === after.value && before.status === after.status && JSON.stringify(before.context) === JSON.stringify(after.context);
}
