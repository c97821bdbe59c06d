// How every lifecycle's schedule lists the deadlines of its current state, so license and
// account skip a sent or stale notice, and keep an overdue transition, by the same rule.
import { deletionWarningAt, graceHalfwayAt, type CycleTimes } from './cycle.js';
import type { Deadline, ScheduledEvent } from './lifecycle.js';
import { noticeKey, type Notice } from './notices.js';

/** A transition is listed even when overdue: the subject must still move on. */
export function pushTransition<Scheduled extends ScheduledEvent>(deadlines: Deadline<Scheduled>[], event: Scheduled, at: number | null): void {
  if (at !== null) deadlines.push({ event, at });
}

/** A notice is left out once sent this cycle, or when it would fall before its state began. */
export function pushNotice<Scheduled extends ScheduledEvent>(
  deadlines: Deadline<Scheduled>[],
  times: Pick<CycleTimes, 'noticesSent'>,
  event: Scheduled,
  notice: Notice,
  at: number | null,
  stateStartedAt: number | null,
): void {
  if (at === null || times.noticesSent.includes(noticeKey(notice))) return;
  if (stateStartedAt !== null && at < stateStartedAt) return;
  deadlines.push({ event, at });
}

/** The deadlines of the phases every lifecycle lapses through the same way: grace, then suspension. */
export type LapseScheduledEvent = { type: 'grace.halfway' } | { type: 'grace.ended' } | { type: 'deletion.notice_due' } | { type: 'retention.ended' };
/** The same, as the workflow sends them when their timer fires at `at`. */
export type LapseDeadlineEvent = LapseScheduledEvent & { at: number };

export function lapseDeadlines(state: string, times: CycleTimes): Deadline<LapseScheduledEvent>[] {
  const deadlines: Deadline<LapseScheduledEvent>[] = [];
  if (state === 'grace') {
    pushNotice(deadlines, times, { type: 'grace.halfway' }, { kind: 'grace_halfway' }, graceHalfwayAt(times), times.graceStartedAt);
    pushTransition(deadlines, { type: 'grace.ended' }, times.graceEndsAt);
  } else if (state === 'suspended') {
    pushNotice(deadlines, times, { type: 'deletion.notice_due' }, { kind: 'deletion_warning' }, deletionWarningAt(times), times.suspendedAt);
    pushTransition(deadlines, { type: 'retention.ended' }, times.deletesAt);
  }
  return deadlines;
}

/** Earliest first; the sort is stable, so at equal times a notice pushed first stays before the transition after it. */
export function earliestFirst<Scheduled extends ScheduledEvent>(deadlines: Deadline<Scheduled>[]): Deadline<Scheduled>[] {
  return deadlines.sort((a, b) => a.at - b.at);
}
