// A billing event (`billing.pushed`, `billing.failed`, `billing.summary_sent`): its audit entry
// and its webhook deliveries, written in the caller's transaction under one stable key, so a
// retried write adds neither a second entry nor a second delivery (R32).
import type { Transaction } from '../../db/client.js';
import { auditLog } from '../../db/schema.js';
import { enqueueWebhookDeliveries } from '../webhook/deliver.js';

export interface BillingEvent {
  /** The audit entry's dedupe key and the webhook event's id. */
  key: string;
  partnerId: string;
  companyId: string;
  type: string;
  actor: string;
  at: Date;
  data: Record<string, unknown>;
}

/** Answers the webhook deliveries of the event, for the workflow to start. */
export async function recordBillingEvent(tx: Transaction, event: BillingEvent): Promise<string[]> {
  await tx
    .insert(auditLog)
    .values({
      partnerId: event.partnerId,
      subjectType: 'company',
      subjectId: event.companyId,
      action: event.type,
      actor: event.actor,
      after: event.data,
      at: event.at,
      dedupeKey: event.key,
    })
    .onConflictDoNothing({ target: auditLog.dedupeKey });
  return enqueueWebhookDeliveries(tx, event.partnerId, {
    id: event.key,
    type: event.type,
    occurredAt: event.at,
    data: { companyId: event.companyId, ...event.data },
  });
}
