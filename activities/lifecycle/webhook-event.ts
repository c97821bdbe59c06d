// What a webhook subscriber learns of any lifecycle transition: its subject as it now
// stands (under the subject's own name), the state before and after, and who caused it.
import { transitionKey, type SubjectType, type TransitionRecord } from './transitions.js';
import type { WebhookEvent } from '../webhook/deliver.js';

export function transitionWebhookEvent(type: SubjectType, id: string, record: TransitionRecord, subject: Record<string, unknown>): WebhookEvent {
  const { audit } = record;
  return {
    // The audit entry's key: one event per written revision, the same on every retry.
    id: transitionKey(type, id, record.revision),
    type: audit.action,
    occurredAt: new Date(audit.at),
    data: { [type]: subject, before: audit.before ?? null, after: audit.after, actor: audit.actor },
  };
}

/** The next deadline as subscribers read it: dates in ISO 8601. */
export function deadlineForSubscribers(record: TransitionRecord): { event: string; at: string } | null {
  return record.nextDeadline ? { event: record.nextDeadline.event, at: new Date(record.nextDeadline.at).toISOString() } : null;
}
