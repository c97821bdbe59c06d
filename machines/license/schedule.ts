// When each deadline of a license falls: the workflow sleeps until the next one, the API shows
// it, and the timeline plays them forward through the machine.
import { durationMs } from '../lifecycle/duration.js';
import {
  applyLicenseEvent,
  noticeKey,
  noticeOfDeadline,
  stateOf,
  type DeadlineEvent,
  type LicenseSnapshot,
  type LicenseState,
  type Notice,
  type ScheduledEvent,
} from './machine.js';

export interface Deadline {
  event: ScheduledEvent;
  at: number;
}

export interface TimelineEntry {
  at: number;
  event: ScheduledEvent;
  /** The state after the event. */
  state: LicenseState;
  notice?: Notice;
}

/**
 * Deadlines of the current state that have not fired yet, earliest first. One in the past is
 * still returned, so a workflow back from downtime fires it at once: no transition is skipped.
 */
export function pendingDeadlines(snapshot: LicenseSnapshot): Deadline[] {
  const { context } = snapshot;
  const { policy } = context;
  const unsent = (event: Parameters<typeof noticeOfDeadline>[0]) =>
    !context.noticesSent.includes(noticeKey(noticeOfDeadline(event)));
  const deadlines: Deadline[] = [];

  switch (stateOf(snapshot)) {
    case 'trial':
    case 'active':
      for (const offset of policy.expiryNotices) {
        const event = { type: 'expiry.notice_due', offset } as const;
        const at = context.expiresAt - durationMs(offset);
        // A license issued or renewed 3 days before expiry gets no 30-day notice.
        if (at >= context.cycleStartedAt && unsent(event)) deadlines.push({ event, at });
      }
      deadlines.push({ event: { type: 'expiry.reached' }, at: context.expiresAt });
      break;
    case 'grace': {
      const { graceStartedAt, graceEndsAt } = requireTimes(snapshot, 'graceStartedAt', 'graceEndsAt');
      const halfway = { type: 'grace.halfway' } as const;
      if (unsent(halfway)) deadlines.push({ event: halfway, at: graceStartedAt + (graceEndsAt - graceStartedAt) / 2 });
      deadlines.push({ event: { type: 'grace.ended' }, at: graceEndsAt });
      break;
    }
    case 'suspended': {
      const { suspendedAt, deletesAt } = requireTimes(snapshot, 'suspendedAt', 'deletesAt');
      const warning = { type: 'deletion.notice_due' } as const;
      const at = deletesAt - durationMs(policy.deletionNotice);
      if (at >= suspendedAt && unsent(warning)) deadlines.push({ event: warning, at });
      deadlines.push({ event: { type: 'retention.ended' }, at: deletesAt });
      break;
    }
    case 'deleted':
      break;
  }
  // Stable sort: at equal times, notices come before the transition that follows them.
  return deadlines.sort((a, b) => a.at - b.at);
}

export function nextDeadline(snapshot: LicenseSnapshot): Deadline | undefined {
  return pendingDeadlines(snapshot)[0];
}

/**
 * Every upcoming transition and notice until deletion, if no operation happens: the machine is
 * played forward, one earliest deadline at a time, so the timeline cannot disagree with it.
 */
export function licenseTimeline(snapshot: LicenseSnapshot): TimelineEntry[] {
  const timeline: TimelineEntry[] = [];
  let current = snapshot;
  for (let next = nextDeadline(current); next; next = nextDeadline(current)) {
    const event: DeadlineEvent = { ...next.event, at: next.at };
    const applied = applyLicenseEvent(current, event);
    // Every pending deadline is accepted by construction; stop rather than loop if one is not.
    if (!applied.changed) break;
    current = applied.snapshot;
    const [notice] = applied.notices;
    timeline.push({ at: next.at, event: next.event, state: stateOf(current), ...(notice ? { notice } : {}) });
  }
  return timeline;
}

type TimeField = 'graceStartedAt' | 'graceEndsAt' | 'suspendedAt' | 'deletesAt';

/** The machine sets these on entering grace and suspended; a projection without them is corrupt. */
function requireTimes<K extends TimeField>(snapshot: LicenseSnapshot, ...fields: K[]): Record<K, number> {
  const times = {} as Record<K, number>;
  for (const field of fields) {
    const value = snapshot.context[field];
    if (value === null) throw new Error(`license in ${stateOf(snapshot)} has no ${field}`);
    times[field] = value;
  }
  return times;
}
