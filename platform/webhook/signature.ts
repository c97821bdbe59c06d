// How a receiver knows a delivery came from Tenure and was not replayed later:
// `Tenure-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
// The timestamp is signed with the body, so a receiver can refuse old deliveries.
import { createHmac, randomBytes } from 'node:crypto';

export const SIGNATURE_HEADER = 'Tenure-Signature';
export const EVENT_HEADER = 'Tenure-Event';
export const DELIVERY_HEADER = 'Tenure-Delivery';

/** The signing secret given to a subscriber once; kept readable because every delivery is signed with it. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

export function signatureHeader(secret: string, body: string, at: Date): string {
  const timestamp = Math.floor(at.getTime() / 1000);
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${digest}`;
}
