// What a webhook subscriber learns of a license transition: the license as it now
// stands, the state before and after, and who caused it.
import type { LicenseTransitionRecord } from '../licenses.js';
import type { WebhookEvent } from '../webhooks.js';

export function licenseWebhookEvent(record: LicenseTransitionRecord): WebhookEvent {
  const { license, context, audit } = record;
  return {
    // The audit entry's key: one event per written revision, the same on every retry.
    id: `license:${license.id}:${record.revision}`,
    type: audit.action,
    occurredAt: new Date(audit.at),
    data: {
      license: {
        id: license.id,
        companyId: license.companyId,
        product: license.product,
        seats: license.seats,
        term: license.term,
        owner: license.owner,
        tag: license.tag,
        state: record.state,
        expiresAt: new Date(context.expiresAt).toISOString(),
        cycle: context.cycle,
        nextDeadline: record.nextDeadline ? { event: record.nextDeadline.event, at: new Date(record.nextDeadline.at).toISOString() } : null,
      },
      before: audit.before ?? null,
      after: audit.after,
      actor: audit.actor,
    },
  };
}
