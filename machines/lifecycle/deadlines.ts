// How every lifecycle's schedule lists the deadlines of its current state, so license and
// account skip a sent or stale notice, and keep an overdue transition, by the same rule.
import type { CycleTimes } from './cycle.js';
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
