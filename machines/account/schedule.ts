// When an account's next events are due: the workflow sets its timers from these,
// the API shows `nextDeadline` and the timeline. Derived from the snapshot alone.
import {
  accountStateOf,
  applyAccountEvent,
  deletionWarningAt,
  graceHalfwayAt,
  type AccountContext,
  type AccountSnapshot,
  type AccountState,
  type NoticeKind,
} from './machine.js';

/** Events that only the passing of time sends. */
export type AccountDeadlineEvent =
  | 'trial.ended'
  | 'grace.halfway'
  | 'grace.ended'
  | 'deletion.notice_due'
  | 'retention.ended';

export interface AccountDeadline {
  event: AccountDeadlineEvent;
  at: number;
}

export interface AccountTimelineEntry {
  at: number;
  event: AccountDeadlineEvent;
  from: AccountState;
  to: AccountState;
  notices: NoticeKind[];
}

/**
 * The current state's deadlines that have not fired yet, earliest first (a notice before a
 * transition due at the same instant). A transition is listed even when overdue, since the
 * account must still move on; a notice is left out once sent, or when it would fall before
 * the state began (it warns about something the state can no longer give notice of).
 */
export function pendingAccountDeadlines(snapshot: AccountSnapshot): AccountDeadline[] {
  const { context } = snapshot;
  const deadlines: AccountDeadline[] = [];
  switch (accountStateOf(snapshot)) {
    case 'trial':
      push(deadlines, 'trial.ended', context.trialEndsAt);
      break;
    case 'grace':
      pushNotice(deadlines, context, 'grace.halfway', 'grace_halfway', graceHalfwayAt(context), context.graceStartedAt);
      push(deadlines, 'grace.ended', context.graceEndsAt);
      break;
    case 'suspended':
      pushNotice(deadlines, context, 'deletion.notice_due', 'deletion_warning', deletionWarningAt(context), context.suspendedAt);
      push(deadlines, 'retention.ended', context.deletesAt);
      break;
    case 'active':
    case 'deleted':
      break;
  }
  // Stable sort: at equal times the notice, pushed first, stays first.
  return deadlines.sort((a, b) => a.at - b.at);
}

export function nextAccountDeadline(snapshot: AccountSnapshot): AccountDeadline | undefined {
  return pendingAccountDeadlines(snapshot)[0];
}

/** Guards against a machine that would refuse its own deadline; far above any real lifecycle. */
const MAX_TIMELINE_STEPS = 64;

/**
 * Every upcoming transition and notice until deletion, assuming no license changes and every
 * timer fires on time. Computed by running the machine itself on its own deadlines, so it
 * cannot drift from what the workflow will do. Empty for an active account: nothing is due.
 */
export function accountTimeline(snapshot: AccountSnapshot): AccountTimelineEntry[] {
  const timeline: AccountTimelineEntry[] = [];
  let current = snapshot;
  for (let step = 0; step < MAX_TIMELINE_STEPS; step++) {
    const deadline = nextAccountDeadline(current);
    if (!deadline) break;
    const result = applyAccountEvent(current, { type: deadline.event, at: deadline.at });
    if (!result.changed) break;
    timeline.push({
      at: deadline.at,
      event: deadline.event,
      from: accountStateOf(current),
      to: accountStateOf(result.snapshot),
      notices: result.notices,
    });
    current = result.snapshot;
  }
  return timeline;
}

function push(deadlines: AccountDeadline[], event: AccountDeadlineEvent, at: number | null): void {
  if (at !== null) deadlines.push({ event, at });
}

function pushNotice(
  deadlines: AccountDeadline[],
  context: AccountContext,
  event: AccountDeadlineEvent,
  kind: NoticeKind,
  at: number | null,
  stateStartedAt: number | null,
): void {
  if (at === null || context.noticesSent.includes(kind)) return;
  if (stateStartedAt !== null && at < stateStartedAt) return;
  deadlines.push({ event, at });
}
