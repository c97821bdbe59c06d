// How webhookDelivery workflows are named and started; entity workflows import this.
export interface WebhookDeliveryInput {
  deliveryId: string;
}

export const webhookDeliveryWorkflowId = (deliveryId: string) => `webhook-delivery:${deliveryId}`;
