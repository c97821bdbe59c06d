// Webhook deliveries: written in the same transaction as the transition that caused
// them (so an event is never lost nor invented), then sent by the webhookDelivery
// workflow through deliverWebhook, one signed POST per attempt, retried by Temporal.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Database, Transaction } from '../../db/client.js';
import { auditLog, webhookAttempts, webhookDeliveries, webhooks } from '../../db/schema.js';
import { patternsMatching } from '../../machines/webhook/events.js';
import { postDelivery, type AttemptResult, type DeliveryTargets } from './post.js';
import { strictestTargetPolicy } from '../../platform/network/address-guard.js';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signatureHeader } from '../../platform/webhook/signature.js';

export interface WebhookEvent {
  /** Stable across retries of the write that records the event: receivers deduplicate on it. */
  id: string;
  /** The audit log's action name, e.g. license.renewed. */
  type: string;
  occurredAt: Date;
  data: Record<string, unknown>;
}

export type DeliveryOutcome = 'delivered' | 'failed' | 'skipped';

/** Failure type of an attempt that Temporal should retry with backoff (5xx, 408, 429, timeout, no connection). */
export const ENDPOINT_UNAVAILABLE = 'WebhookEndpointUnavailable';

const SYSTEM_ACTOR = 'system:webhooks';

/** What the statement that writes an event's deliveries reads: values, or placeholders of a prepared statement. */
export interface DeliveryInputs {
  partnerId: unknown;
  eventId: unknown;
  eventType: unknown;
  /** ISO 8601 text. */
  occurredAt: unknown;
  /** The event's data as JSON text. */
  eventData: unknown;
  /** The subscription patterns that match the event's type, as a JSON array of text. */
  patterns: unknown;
}

/** The inputs of one event's deliveries. */
export function deliveryValues(partnerId: string, event: WebhookEvent) {
  return {
    partnerId,
    eventId: event.id,
    eventType: event.type,
    occurredAt: event.occurredAt.toISOString(),
    eventData: JSON.stringify(event.data),
    // A subscription lists the event's type, its family's wildcard, or `*`.
    patterns: JSON.stringify(patternsMatching(event.type)),
  } satisfies DeliveryInputs;
}

/** The inputs as placeholders named as `deliveryValues` names them. */
export const deliverySlots: DeliveryInputs = {
  partnerId: sql.placeholder('partnerId'),
  eventId: sql.placeholder('eventId'),
  eventType: sql.placeholder('eventType'),
  occurredAt: sql.placeholder('occurredAt'),
  eventData: sql.placeholder('eventData'),
  patterns: sql.placeholder('patterns'),
};

/**
 * The deliveries of one event, as parts of a larger statement (a transition is written in one,
 * ./lifecycle/transitions.ts): `insert` writes one delivery per active subscription of the partner
 * matching the event (most partners subscribe to nothing: no row), and is the CTE named
 * `delivered`; `ids` reads, as text[], those it wrote and those an earlier attempt of the same
 * write made, which the statement's snapshot still shows. A retried write so answers the same
 * ones, and its workflow starts a webhookDelivery for each. They are made together because `ids`
 * reads what `insert` is named.
 */
export function webhookDeliveriesOf(event: DeliveryInputs): { insert: SQL; ids: SQL<string[]> } {
  return {
    insert: sql`insert into ${webhookDeliveries} (partner_id, webhook_id, event_id, event_type, occurred_at, data)
      select ${event.partnerId}::uuid, ${webhooks.id}, ${event.eventId}::text, ${event.eventType}::text, ${event.occurredAt}::timestamptz, ${event.eventData}::jsonb
      from ${webhooks}
      where ${webhooks.partnerId} = ${event.partnerId}::uuid and ${webhooks.status} = 'active'
        and ${webhooks.events} ?| array(select jsonb_array_elements_text(${event.patterns}::jsonb))
      on conflict do nothing
      returning id`,
    ids: sql<string[]>`array(select id::text from delivered union all select ${webhookDeliveries.id}::text from ${webhookDeliveries} where ${webhookDeliveries.eventId} = ${event.eventId}::text)`,
  };
}

/** Writes the event's deliveries inside the caller's transaction and answers every delivery of it. */
export async function enqueueWebhookDeliveries(tx: Transaction, partnerId: string, event: WebhookEvent): Promise<string[]> {
  const deliveries = webhookDeliveriesOf(deliveryValues(partnerId, event));
  const [row] = await tx.execute<{ ids: string[] }>(sql`with delivered as (${deliveries.insert}) select ${deliveries.ids} as ids`);
  return row!.ids;
}

/** The body a subscriber receives; rebuilt identically for every attempt from what was recorded. */
function deliveryBody(delivery: typeof webhookDeliveries.$inferSelect): string {
  return JSON.stringify({ id: delivery.eventId, type: delivery.eventType, occurredAt: delivery.occurredAt.toISOString(), data: delivery.data });
}

export function createWebhookActivities(db: Database, targets: DeliveryTargets = { policy: strictestTargetPolicy() }) {
  return {
    /**
     * One attempt: a signed POST, logged whatever its answer. A 2xx delivers; a 410 disables the
     * subscription; another 4xx, or a URL that now resolves inside Tenure's network, fails the
     * delivery for good; anything else is thrown for Temporal to retry.
     */
    async deliverWebhook(deliveryId: string): Promise<DeliveryOutcome> {
      const [row] = await db
        .select({ delivery: webhookDeliveries, webhook: webhooks })
        .from(webhookDeliveries)
        .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
        .where(eq(webhookDeliveries.id, deliveryId));
      // Deleting a subscription deletes its deliveries: nothing is left to send.
      if (!row) return 'skipped';
      const { delivery, webhook } = row;
      if (delivery.status !== 'pending') return delivery.status;
      if (webhook.status !== 'active') {
        await finish(db, deliveryId, 'skipped', `not sent: the subscription is ${webhook.status}`);
        return 'skipped';
      }

      const body = deliveryBody(delivery);
      const at = new Date();
      const result = await postDelivery(webhook.url, body, {
        [SIGNATURE_HEADER]: signatureHeader(webhook.secret, body, at),
        [EVENT_HEADER]: delivery.eventType,
        [DELIVERY_HEADER]: delivery.id,
      }, targets);
      const attempt = Context.current().info.attempt;
      const outcome = await db.transaction(async (tx) => {
        await logAttempt(tx, deliveryId, attempt, at, result);
        if (result.verdict === 'retry') return undefined;
        if (result.verdict === 'gone') await disableSubscription(tx, webhook, at);
        const status = result.verdict === 'delivered' ? 'delivered' : 'failed';
        await finish(tx, deliveryId, status, result.error);
        return status;
      });
      if (!outcome) throw ApplicationFailure.retryable(`${webhook.url}: ${result.error}`, ENDPOINT_UNAVAILABLE);
      return outcome;
    },

    /** After days of retries the endpoint is still unavailable: the delivery fails, its last error stays in the log. */
    async recordWebhookGaveUp(deliveryId: string): Promise<void> {
      await db
        .update(webhookDeliveries)
        .set({ status: 'failed', completedAt: new Date() })
        .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, 'pending')));
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;

async function logAttempt(tx: Transaction, deliveryId: string, attempt: number, at: Date, result: AttemptResult): Promise<void> {
  await tx
    .insert(webhookAttempts)
    .values({ deliveryId, attempt, at, statusCode: result.statusCode, durationMs: result.durationMs, error: result.error })
    .onConflictDoNothing();
  await tx
    .update(webhookDeliveries)
    .set({ attempts: attempt, lastStatusCode: result.statusCode, lastError: result.error })
    .where(eq(webhookDeliveries.id, deliveryId));
}

async function finish(tx: Transaction | Database, deliveryId: string, status: DeliveryOutcome, error: string | null): Promise<void> {
  await tx
    .update(webhookDeliveries)
    .set({ status, lastError: error, completedAt: new Date() })
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, 'pending')));
}

/** A 410 is the endpoint saying it is gone for good: stop sending, and say so in the audit log. */
async function disableSubscription(tx: Transaction, webhook: typeof webhooks.$inferSelect, at: Date): Promise<void> {
  const reason = 'the endpoint answered 410 Gone';
  const disabled = await tx
    .update(webhooks)
    .set({ status: 'disabled', disabledReason: reason, disabledAt: at })
    .where(and(eq(webhooks.id, webhook.id), eq(webhooks.status, 'active')))
    .returning({ id: webhooks.id });
  if (disabled.length === 0) return;
  await tx
    .insert(auditLog)
    .values({
      partnerId: webhook.partnerId,
      subjectType: 'webhook',
      subjectId: webhook.id,
      action: 'webhook.disabled',
      actor: SYSTEM_ACTOR,
      before: { status: 'active' },
      after: { status: 'disabled', reason },
      at,
      dedupeKey: `webhook:${webhook.id}:disabled`,
    })
    .onConflictDoNothing({ target: auditLog.dedupeKey });
}
