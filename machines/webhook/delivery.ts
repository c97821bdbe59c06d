// How a webhook delivery's workflow is named: by the outbox row it delivers, so a retried
// transition finds the delivery it already started.
export interface WebhookDeliveryInput {
  deliveryId: string;
}

export const webhookDeliveryWorkflowId = (deliveryId: string) => `webhook-delivery:${deliveryId}`;
