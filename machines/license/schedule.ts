// When each deadline of a license falls: the workflow sleeps until the next one, the API shows
// it, and the timeline plays them forward through the machine.
import { earliestFirst, lapseDeadlines, pushNotice, pushTransition } from '../lifecycle/deadlines.js';
import type { Deadline } from '../lifecycle/lifecycle.js';
import { expiringNoticeAt, type LicenseScheduledEvent, type LicenseSnapshot } from './machine.js';

/**
 * Deadlines of the current state that have not fired yet, earliest first. One in the past is
 * still returned, so a workflow back from downtime fires it at once: no transition is skipped.
 */
export function pendingLicenseDeadlines(snapshot: LicenseSnapshot): Deadline<LicenseScheduledEvent>[] {
  const { context } = snapshot;
  const deadlines: Deadline<LicenseScheduledEvent>[] = lapseDeadlines(String(snapshot.value), context);
  if (snapshot.hasTag('inTerm')) {
    // A license issued or renewed 3 days before expiry gets no 30-day notice.
    for (const offset of context.policy.expiryNotices) {
      pushNotice(deadlines, context, { type: 'expiry.notice_due', offset }, { kind: 'expiring', offset }, expiringNoticeAt(context, offset), context.cycleStartedAt);
    }
    pushTransition(deadlines, { type: 'expiry.reached' }, context.expiresAt);
  }
  return earliestFirst(deadlines);
}
