// When each deadline of a license falls: the workflow sleeps until the next one, the API shows
// it, and the timeline plays them forward through the machine.
import { deletionWarningAt, graceHalfwayAt } from '../lifecycle/cycle.js';
import { pushNotice, pushTransition } from '../lifecycle/deadlines.js';
import type { Deadline } from '../lifecycle/lifecycle.js';
import { expiringNoticeAt, type LicenseScheduledEvent, type LicenseSnapshot, type LicenseState } from './machine.js';

/**
 * Deadlines of the current state that have not fired yet, earliest first. One in the past is
 * still returned, so a workflow back from downtime fires it at once: no transition is skipped.
 * A notice is left out once sent, or when it would fall before its state began.
 */
export function pendingLicenseDeadlines(snapshot: LicenseSnapshot): Deadline<LicenseScheduledEvent>[] {
  const { context } = snapshot;
  const deadlines: Deadline<LicenseScheduledEvent>[] = [];
  switch (snapshot.value as LicenseState) {
    case 'trial':
    case 'active':
      // A license issued or renewed 3 days before expiry gets no 30-day notice.
      for (const offset of context.policy.expiryNotices) {
        pushNotice(deadlines, context, { type: 'expiry.notice_due', offset }, { kind: 'expiring', offset }, expiringNoticeAt(context, offset), context.cycleStartedAt);
      }
      deadlines.push({ event: { type: 'expiry.reached' }, at: context.expiresAt });
      break;
    case 'grace':
      pushNotice(deadlines, context, { type: 'grace.halfway' }, { kind: 'grace_halfway' }, graceHalfwayAt(context), context.graceStartedAt);
      pushTransition(deadlines, { type: 'grace.ended' }, context.graceEndsAt);
      break;
    case 'suspended':
      pushNotice(deadlines, context, { type: 'deletion.notice_due' }, { kind: 'deletion_warning' }, deletionWarningAt(context), context.suspendedAt);
      pushTransition(deadlines, { type: 'retention.ended' }, context.deletesAt);
      break;
    case 'deleted':
      break;
  }
  // Stable sort: at equal times, notices come before the transition that follows them.
  return deadlines.sort((a, b) => a.at - b.at);
}
