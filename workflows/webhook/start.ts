// Starts the deliveries an entity workflow's transition wrote. They are abandoned
// children: they keep retrying after the entity continues as new or ends.
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { webhookDelivery } from './delivery.js';
import { webhookDeliveryWorkflowId } from '../../machines/webhook/delivery.js';

export async function startWebhookDeliveries(eventType: string, deliveryIds: readonly string[]): Promise<void> {
  await Promise.all(
    deliveryIds.map((deliveryId) =>
      startChild(webhookDelivery, {
        workflowId: webhookDeliveryWorkflowId(deliveryId),
        args: [{ deliveryId }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `${eventType} to a webhook subscriber`,
      }),
    ),
  );
}
