// What the license and account workflows share around a transition: who a transition that
// nobody asked for is attributed to, how the activities that record it are retried, and the
// deliveries it starts once it is written.
import { proxyLocalActivities, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { DeliveryActivities } from '../../activities/lifecycle/deliveries.js';
import { noticeDelivery } from '../notice/delivery.js';
import { CompanyId, PartnerId } from '../search-attributes.js';
import { webhookDelivery } from '../webhook/delivery.js';

/** The actor of a transition made by a deadline or by the license group, not by a caller. */
export const SYSTEM_ACTOR = 'system:lifecycle';

/**
 * Retried with backoff until the database answers; a record no retry can fix fails at once.
 * For the writes a workflow schedules: a sync's, a move's.
 */
export const RECORDING_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '1m', nonRetryableErrorTypes: ['InvalidRecord'] },
};

/**
 * A lifecycle's scheduled writes (`LifecycleRecord.changeRecording`): one statement, and for a
 * deadline the first attempt at its notices, which gives up after 5 s. A worker that dies
 * mid-write is noticed when the attempt times out, so the write is tried again after 10 s, as
 * the local activities' workflow task would be, not after the 30 s of other recording activities.
 */
export const LIFECYCLE_WRITE_OPTIONS: ActivityOptions = { ...RECORDING_ACTIVITY_OPTIONS, startToCloseTimeout: '10s' };

/**
 * A lifecycle's other writes (its first state, its group's allocation, its policy) run as local
 * activities: inside the workflow task that decided them, with no activity task to schedule,
 * poll and report, so an issue costs one workflow task instead of two (issue 13). They are
 * short and idempotent by revision, which is what local activities ask; a worker that dies
 * mid-write leaves the workflow task to time out and the next worker writes it again. Retries
 * past a minute wait on a durable timer, so a long database outage holds no worker slot.
 */
export const RECORDING_LOCAL_ACTIVITY_OPTIONS: LocalActivityOptions = {
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

const { startDeliveries: startDeliveryWorkflows } = proxyLocalActivities<DeliveryActivities>({
  ...RECORDING_LOCAL_ACTIVITY_OPTIONS,
  retry: { initialInterval: '1s', maximumInterval: '1m' },
});

/**
 * Call once the transition is written: its webhook events go out in workflows of their own,
 * which outlive this run's continueAsNew and the subject's deletion. Notices did too, until the
 * lifecycle delivered them itself (./notices.ts); a run replayed from before that still passes them.
 * Called only with something to start: most transitions have nothing, and skip the call.
 */
export async function startDeliveries(subject: { partnerId: string; companyId: string }, written: WrittenTransition): Promise<void> {
  await startDeliveryWorkflows({
    partnerId: subject.partnerId,
    companyId: subject.companyId,
    action: written.action,
    noticeKeys: written.noticeKeys,
    webhookDeliveryIds: written.webhookDeliveryIds,
    names: { noticeWorkflowType: noticeDelivery.name, webhookWorkflowType: webhookDelivery.name, searchAttributes: { partnerId: PartnerId, companyId: CompanyId } },
  });
}
