// What licenses and accounts both keep of the lifecycle cycle they are in: when it began,
// and when grace, suspension and deletion fall in it; and the instants both derive from it.
// All times are ms since the epoch.
import { durationMs } from './duration.js';
import type { LifecyclePolicy } from './policy.js';

export interface CycleTimes {
  policy: LifecyclePolicy;
  /** Starts at 1; a renewal or a restore starts a new cycle, and every notice may go out again (R19). */
  cycle: number;
  cycleStartedAt: number;
  graceStartedAt: number | null;
  graceEndsAt: number | null;
  suspendedAt: number | null;
  /** When the subject will be deleted (R12, R17); once deleted, when it was. */
  deletesAt: number | null;
  /** Notices already sent this cycle, by noticeKey, so none is scheduled or sent twice (R19). */
  noticesSent: string[];
}

/** The reminder halfway through grace (R15), rounded down to the millisecond; null outside grace. */
export function graceHalfwayAt(times: CycleTimes): number | null {
  if (times.graceStartedAt === null || times.graceEndsAt === null) return null;
  return times.graceStartedAt + Math.floor((times.graceEndsAt - times.graceStartedAt) / 2);
}

/** The deletion warning: policy.deletionNotice before deletion (R17); null unless suspended. */
export function deletionWarningAt(times: CycleTimes): number | null {
  if (times.deletesAt === null || times.suspendedAt === null) return null;
  return times.deletesAt - durationMs(times.policy.deletionNotice);
}

/**
 * Whether a deadline event applies: a timer that fired for an instant still ahead (one from
 * an earlier cycle, or one queued behind an operation that moved the deadline) is ignored
 * rather than cutting the new period short.
 */
export function reached(at: number, deadline: number | null): boolean {
  return deadline !== null && at >= deadline;
}

/** The context every new cycle starts from: nothing of grace, suspension or notices left. */
export function newCycle(previous: Pick<CycleTimes, 'cycle'> | null, at: number): Omit<CycleTimes, 'policy'> {
  return {
    cycle: previous ? previous.cycle + 1 : 1,
    cycleStartedAt: at,
    graceStartedAt: null,
    graceEndsAt: null,
    suspendedAt: null,
    deletesAt: null,
    noticesSent: [],
  };
}
