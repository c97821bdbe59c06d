// One webhook delivery (`webhook-delivery:<id>`): a signed POST to the subscriber,
// retried with backoff while the endpoint is down, for up to three days.
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { DeliveryOutcome, WebhookActivities } from '../../activities/webhook/deliver.js';
import type { WebhookDeliveryInput } from '../../machines/webhook/delivery.js';

const { deliverWebhook } = proxyActivities<WebhookActivities>({
  // One attempt waits at most 10 s for an answer (activities/webhooks/post.ts).
  startToCloseTimeout: '30s',
  // Endpoints go down for maintenance: keep trying for three days, backing off to once an hour.
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1h' },
});

const { recordWebhookGaveUp } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
});

export async function webhookDelivery({ deliveryId }: WebhookDeliveryInput): Promise<DeliveryOutcome> {
  try {
    return await deliverWebhook(deliveryId);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    await recordWebhookGaveUp(deliveryId);
    return 'failed';
  }
}
