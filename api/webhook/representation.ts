// What callers see of a webhook subscription and of its deliveries. The secret is shown
// once, in the answer to the subscription; never again.
import { z } from 'zod';
import type { webhookAttempts, webhookDeliveries, webhooks } from '../../db/schema.js';

export const webhookSchema = z
  .object({
    id: z.uuid(),
    url: z.url(),
    description: z.string().nullable(),
    events: z.array(z.string()).describe('Event types and wildcards: license.renewed, account.*, *'),
    status: z.enum(['active', 'disabled']).describe('disabled when the endpoint answered 410 Gone; nothing more is sent'),
    disabledReason: z.string().nullable(),
    disabledAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Webhook' });

export const subscribedWebhookSchema = webhookSchema
  .extend({
    secret: z
      .string()
      .describe(
        'Shown once. Each delivery carries `Tenure-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with this secret>`.',
      ),
  })
  .meta({ id: 'SubscribedWebhook' });

const attemptSchema = z.object({
  attempt: z.number().int().min(1),
  at: z.iso.datetime(),
  statusCode: z.number().int().nullable().describe('Null when no answer came: timeout or connection error'),
  durationMs: z.number().int(),
  error: z.string().nullable(),
});

export const deliverySchema = z
  .object({
    id: z.uuid().describe('Also sent as the Tenure-Delivery header'),
    eventId: z.string().describe('The body\'s `id`: the same for every subscription and every attempt; deduplicate on it'),
    type: z.string().describe('The event type, also sent as the Tenure-Event header'),
    occurredAt: z.iso.datetime(),
    data: z.record(z.string(), z.unknown()),
    status: z.enum(['pending', 'delivered', 'failed', 'skipped']).describe('skipped: the subscription was disabled before it was sent'),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    attempts: z.array(attemptSchema),
    createdAt: z.iso.datetime(),
    completedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });

export function webhookRepresentation(row: typeof webhooks.$inferSelect): z.infer<typeof webhookSchema> {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    status: row.status,
    disabledReason: row.disabledReason,
    disabledAt: row.disabledAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

export function deliveryRepresentation(
  row: typeof webhookDeliveries.$inferSelect,
  attempts: (typeof webhookAttempts.$inferSelect)[],
): z.infer<typeof deliverySchema> {
  return {
    id: row.id,
    eventId: row.eventId,
    type: row.eventType,
    occurredAt: row.occurredAt.toISOString(),
    data: row.data,
    status: row.status,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    attempts: attempts.map((attempt) => ({
      attempt: attempt.attempt,
      at: attempt.at.toISOString(),
      statusCode: attempt.statusCode,
      durationMs: attempt.durationMs,
      error: attempt.error,
    })),
    createdAt: row.createdAt.toISOString(),
    completedAt: row.completedAt?.toISOString() ?? null,
  };
}
