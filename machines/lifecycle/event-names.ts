// What happened to a license or an account, named as a customer reads it
// (`license.grace_started`): the same names in the audit log, webhooks, the API's
// `nextDeadline` and the timeline (STYLE.md, keygen-api).
import type { SubjectType } from './notices.js';

/** The words after the subject, for every event a lifecycle can record. */
export const lifecycleEventWords = {
  license: ['issued', 'policy_adopted', 'expiring', 'grace_started', 'grace_halfway', 'suspended', 'deletion_warning', 'deleted', 'renewed', 'renewed_upstream', 'resumed'],
  account: ['created', 'policy_adopted', 'licenses_changed', 'seats_changed', 'trial_ended', 'grace_started', 'grace_halfway', 'suspended', 'deletion_warning', 'deleted', 'restored'],
} as const satisfies Record<SubjectType, readonly string[]>;

export type LifecycleEventWord = (typeof lifecycleEventWords)[SubjectType][number];

/** What each event of the machines means when it does not move the subject to another state. */
const wordOfEvent: Record<string, LifecycleEventWord> = {
  'expiry.notice_due': 'expiring',
  'expiry.reached': 'grace_started',
  'trial.ended': 'trial_ended',
  'grace.halfway': 'grace_halfway',
  'grace.ended': 'suspended',
  'deletion.notice_due': 'deletion_warning',
  'retention.ended': 'deleted',
  'licenses.changed': 'licenses_changed',
  'seats.changed': 'seats_changed',
  renew: 'renewed',
  'upstream.renewed': 'renewed_upstream',
  suspend: 'suspended',
  resume: 'resumed',
  delete: 'deleted',
};

/** Every event name a subject's audit entries and webhook events carry. */
export function lifecycleEventNames(subject: SubjectType): string[] {
  return lifecycleEventWords[subject].map((word) => `${subject}.${word}`);
}

/** The name of a machine event, or of a deadline before it fires (the API's `nextDeadline.event`). */
export function eventName(subject: SubjectType, eventType: string): string {
  const word = wordOfEvent[eventType];
  if (!word) throw new RangeError(`no customer-facing name for ${subject} event ${eventType}`);
  return `${subject}.${word}`;
}

/** What happened, once applied: a change of state is named by the state reached, unless a caller's operation says more. */
export function transitionName(subject: SubjectType, eventType: string, from: string, to: string): string {
  if (from === to) return eventName(subject, eventType);
  switch (to) {
    case 'grace':
      return `${subject}.grace_started`;
    case 'suspended':
      return `${subject}.suspended`;
    case 'deleted':
      return `${subject}.deleted`;
    default:
      // Back to active: a renewal (here or upstream) or a resume says so; a trial that ends with a license simply goes on.
      if (eventType === 'renew' || eventType === 'upstream.renewed' || eventType === 'resume') return eventName(subject, eventType);
      return from === 'trial' ? `${subject}.trial_ended` : `${subject}.restored`;
  }
}
