// Watching notice deliveries where ops watch them: a notice its transition's write did not settle
// is an activity of its license's or account's workflow (`deliverNotice`), pending while it
// retries and settled in that history.
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { lifecycleWorkflowId } from '../../machines/lifecycle/contract.js';
import type { SubjectType } from '../../machines/lifecycle/notices.js';
import { testPayloadCodec } from '../support/payload-keys.js';
import { eventually } from '../support/tenure.js';

const DELIVER_NOTICE = 'deliverNotice';

export const subjectWorkflowId = (notice: { subjectType: string; subjectId: string }) => lifecycleWorkflowId(notice.subjectType as SubjectType, notice.subjectId);

/** The notice deliveries a lifecycle workflow is still running: attempts and last failure, as the UI shows them. */
export async function pendingNoticeDeliveries(client: Client, workflowId: string): Promise<temporal.api.workflow.v1.IPendingActivityInfo[]> {
  const { raw } = await client.workflow.getHandle(workflowId).describe();
  return (raw.pendingActivities ?? []).filter((activity) => activity.activityType?.name === DELIVER_NOTICE);
}

/** Once none is pending, no attempt is left that could send a notice of theirs again. */
export async function untilNoticeDeliveriesSettled(client: Client, workflowIds: string[]): Promise<void> {
  await eventually(
    () => Promise.all(workflowIds.map((workflowId) => pendingNoticeDeliveries(client, workflowId))),
    (pending) => pending.every((activities) => activities.length === 0),
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}

/** The notices a lifecycle's first run gave to a `deliverNotice` activity, by outbox key, in the order it scheduled them. */
export async function noticesDeliveredByActivity(client: Client, workflowId: string): Promise<string[]> {
  const { raw } = await client.workflow.getHandle(workflowId).describe();
  const { events } = await client.workflow.getHandle(workflowId, raw.workflowExecutionInfo?.firstRunId ?? undefined).fetchHistory();
  const scheduled = (events ?? []).map((event) => event.activityTaskScheduledEventAttributes).filter((attributes) => attributes?.activityType?.name === DELIVER_NOTICE);
  return Promise.all(scheduled.map(async (attributes) => defaultPayloadConverter.fromPayload<string>((await testPayloadCodec.decode(attributes!.input!.payloads!))[0]!)));
}

/**
 * How the delivery of the notice `key` ended in its subject's history, once it has: `completed`,
 * or the failure type Temporal stopped retrying on. Undefined while it has not ended.
 */
export async function deliveryEnding(client: Client, workflowId: string, key: string): Promise<string | undefined> {
  const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
  const keyOfScheduled = new Map<string, string>();
  for (const event of events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === DELIVER_NOTICE) {
      const [input] = await testPayloadCodec.decode(scheduled.input!.payloads!);
      keyOfScheduled.set(String(event.eventId), defaultPayloadConverter.fromPayload<string>(input!));
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed && keyOfScheduled.get(String(completed.scheduledEventId)) === key) return 'completed';
    const failed = event.activityTaskFailedEventAttributes;
    if (failed && keyOfScheduled.get(String(failed.scheduledEventId)) === key) return failed.failure?.applicationFailureInfo?.type ?? 'failed';
  }
  return undefined;
}

/** Waits for the delivery of `key` to end; answers its failure type, or undefined when it completed. */
export async function deliveryFailure(client: Client, notice: { key: string; subjectType: string; subjectId: string }): Promise<string | undefined> {
  const ending = await eventually(() => deliveryEnding(client, subjectWorkflowId(notice), notice.key), (found) => found !== undefined, { timeoutMs: 30_000 });
  return ending === 'completed' ? undefined : ending;
}
