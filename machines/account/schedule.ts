// When an account's next events are due: the workflow sets its timers from these, the API
// shows `nextDeadline` and the timeline. Derived from the snapshot alone.
import { deletionWarningAt, graceHalfwayAt } from '../lifecycle/cycle.js';
import { pushNotice, pushTransition } from '../lifecycle/deadlines.js';
import type { Deadline } from '../lifecycle/lifecycle.js';
import type { AccountScheduledEvent, AccountSnapshot, AccountState } from './machine.js';

/**
 * The current state's deadlines that have not fired yet, earliest first (a notice before a
 * transition due at the same instant). Nothing is due for an active account: it waits on its licenses.
 */
export function pendingAccountDeadlines(snapshot: AccountSnapshot): Deadline<AccountScheduledEvent>[] {
  const { context } = snapshot;
  const deadlines: Deadline<AccountScheduledEvent>[] = [];
  switch (snapshot.value as AccountState) {
    case 'trial':
      pushTransition(deadlines, { type: 'trial.ended' }, context.trialEndsAt);
      break;
    case 'grace':
      pushNotice(deadlines, context, { type: 'grace.halfway' }, { kind: 'grace_halfway' }, graceHalfwayAt(context), context.graceStartedAt);
      pushTransition(deadlines, { type: 'grace.ended' }, context.graceEndsAt);
      break;
    case 'suspended':
      pushNotice(deadlines, context, { type: 'deletion.notice_due' }, { kind: 'deletion_warning' }, deletionWarningAt(context), context.suspendedAt);
      pushTransition(deadlines, { type: 'retention.ended' }, context.deletesAt);
      break;
    case 'active':
    case 'deleted':
      break;
  }
  return deadlines.sort((a, b) => a.at - b.at);
}
