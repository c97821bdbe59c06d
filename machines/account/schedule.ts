// When an account's next events are due: the workflow sets its timers from these, the API
// shows `nextDeadline` and the timeline. Derived from the snapshot alone.
import { earliestFirst, lapseDeadlines, pushTransition } from '../lifecycle/deadlines.js';
import type { Deadline } from '../lifecycle/lifecycle.js';
import type { AccountScheduledEvent, AccountSnapshot } from './machine.js';

/**
 * The current state's deadlines that have not fired yet, earliest first. Nothing is due for an
 * active account: it waits on its licenses.
 */
export function pendingAccountDeadlines(snapshot: AccountSnapshot): Deadline<AccountScheduledEvent>[] {
  const { context } = snapshot;
  const deadlines: Deadline<AccountScheduledEvent>[] = lapseDeadlines(String(snapshot.value), context);
  if (snapshot.value === 'trial') pushTransition(deadlines, { type: 'trial.ended' }, context.trialEndsAt);
  return earliestFirst(deadlines);
}
