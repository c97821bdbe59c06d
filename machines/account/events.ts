// The names a customer would understand for what happened to an account; the same names
// appear in the audit log, webhooks and notices (account.grace_started …).
import type { AccountContext, AccountEvent, AccountState } from './machine.js';
import { iso, knownFacts } from '../lifecycle/notice-facts.js';

/** A change of the requested seats, which the machine does not see but the audit log does. */
export type AccountChange = AccountEvent | { type: 'seats.changed' };

/** What happened when the state stayed the same: a notice fell due, or a fact changed. */
const actionOfEvent: Record<AccountChange['type'], string> = {
  'licenses.changed': 'account.licenses_changed',
  'trial.ended': 'account.trial_ended',
  'grace.halfway': 'account.grace_halfway',
  'grace.ended': 'account.suspended',
  'deletion.notice_due': 'account.deletion_warning',
  'retention.ended': 'account.deleted',
  delete: 'account.deleted',
  'seats.changed': 'account.seats_changed',
};

export function auditActionOf(change: AccountChange, before: AccountState, after: AccountState): string {
  if (before === after) return actionOfEvent[change.type];
  switch (after) {
    case 'active':
      // A trial that ends with a license simply goes on: nothing was lost, so nothing is restored.
      return before === 'trial' ? 'account.trial_ended' : 'account.restored';
    case 'grace':
      return 'account.grace_started';
    case 'suspended':
      return 'account.suspended';
    case 'deleted':
      return 'account.deleted';
    case 'trial':
      return actionOfEvent[change.type];
  }
}

/**
 * The dates and durations a notice names, fixed when it falls due so a re-send tells the same
 * story. `coveredUntil` is the group's latest eligible expiry, which a restored account runs until.
 */
export function noticeFacts(context: AccountContext, coveredUntil: number | null): Record<string, string> {
  return knownFacts({
    expiresAt: iso(coveredUntil),
    graceEndsAt: iso(context.graceEndsAt),
    suspendsAt: iso(context.graceEndsAt),
    deletesAt: iso(context.deletesAt),
    grace: context.policy.grace,
  });
}
