// What the license and account workflows share around a transition: who a transition that
// nobody asked for is attributed to, how the activities that record it are retried, and the
// deliveries it starts once it is written.
import type { ActivityOptions } from '@temporalio/workflow';
import { startNoticeDeliveries } from '../notice/start.js';
import { startWebhookDeliveries } from '../webhook/start.js';

/** The actor of a transition made by a deadline or by the license group, not by a caller. */
export const SYSTEM_ACTOR = 'system:lifecycle';

/** Retried with backoff until the database answers; a record no retry can fix fails at once. */
export const RECORDING_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '1m', nonRetryableErrorTypes: ['InvalidRecord'] },
};

export interface WrittenTransition {
  /** The audit action, which names the webhook event too. */
  action: string;
  /** Outbox keys of the notices the transition made due. */
  noticeKeys: string[];
  webhookDeliveryIds: string[];
}

/** Call once the transition is written: its notices and webhook events go out as abandoned children. */
export async function startDeliveries(subject: { partnerId: string; companyId: string }, written: WrittenTransition): Promise<void> {
  await startNoticeDeliveries({ partnerId: subject.partnerId, companyId: subject.companyId, keys: written.noticeKeys });
  await startWebhookDeliveries(written.action, written.webhookDeliveryIds);
}
