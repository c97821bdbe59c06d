// What a webhook subscriber learns of a license transition: the license as it now stands.
import type { LicenseTransitionRecord } from './record.js';
import type { WebhookEvent } from '../webhook/deliver.js';
import { deadlineForSubscribers, transitionWebhookEvent } from '../lifecycle/webhook-event.js';

export function licenseWebhookEvent(record: LicenseTransitionRecord): WebhookEvent {
  const { license, context } = record;
  return transitionWebhookEvent('license', license.id, record, {
    id: license.id,
    companyId: license.companyId,
    product: license.product,
    seats: license.seats,
    term: context.term,
    owner: license.owner,
    tag: license.tag,
    state: record.state,
    expiresAt: new Date(context.expiresAt).toISOString(),
    cycle: context.cycle,
    nextDeadline: deadlineForSubscribers(record),
  });
}
