// The names a customer would understand for what happened to a license; the same
// names appear in the audit log, webhooks and notices (license.grace_started …).
import type { LicenseContext, LicenseEvent, LicenseState, Notice } from './index.js';
import { iso, knownFacts } from '../lifecycle/notice-facts.js';

const actionOfEvent: Record<LicenseEvent['type'], string> = {
  'expiry.notice_due': 'license.expiring',
  'expiry.reached': 'license.grace_started',
  'grace.halfway': 'license.grace_halfway',
  'grace.ended': 'license.suspended',
  'deletion.notice_due': 'license.deletion_warning',
  'retention.ended': 'license.deleted',
  renew: 'license.renewed',
  suspend: 'license.suspended',
  resume: 'license.resumed',
  cancel: 'license.deleted',
};

/** Every action a license's audit entries and webhook events carry. */
export const licenseActions: readonly string[] = ['license.issued', 'license.policy_adopted', ...new Set(Object.values(actionOfEvent))];

export function auditActionOf(event: LicenseEvent, next: LicenseState): string {
  if (event.type === 'resume' && next === 'grace') return 'license.grace_started';
  return actionOfEvent[event.type];
}

/** The dates and durations a notice names, fixed when it falls due so a re-send tells the same story. */
export function noticeFacts(context: Omit<LicenseContext, 'policy'> & { policy: { grace: string; suspension: string } }, notice: Notice): Record<string, string> {
  return knownFacts({
    expiresAt: iso(context.expiresAt),
    graceEndsAt: iso(context.graceEndsAt),
    suspendsAt: iso(context.graceEndsAt),
    deletesAt: iso(context.deletesAt),
    grace: context.policy.grace,
    offset: notice.offset,
  });
}
