// Webhook subscriptions: admins subscribe an endpoint to event types (the audit log's action
// names, e.g. license.grace_started, or wildcards such as account.*), list and delete them; any
// key reads the delivery log. Deliveries are written with the transitions that cause them and
// sent by webhookDelivery workflows (activities/webhooks.ts).
import type Router from '@koa/router';
import { and, asc, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { webhookAttempts, webhookDeliveries, webhooks } from '../../db/schema.js';
import { newWebhookSecret } from '../../platform/webhook/signature.js';
import { checkTargetSyntax, strictestTargetPolicy } from '../../platform/network/address-guard.js';
import type { AppDependencies } from '../app.js';
import { audit } from '../audit/record.js';
import { actorOf, callerOf, requireRole } from '../auth.js';
import { scopeOf } from '../scope.js';
import { documented } from '../openapi/route.js';
import { invalidInput, notFound } from '../problem.js';
import { listWebhookDeliveries, subscribeWebhook } from '../schemas.js';
import { parseInput } from '../validate.js';
import {
  deliveryRepresentation,
  deliverySchema,
  subscribedWebhookSchema,
  webhookRepresentation,
  webhookSchema,
} from './representation.js';

const TAG = 'Webhooks';

async function webhookOf(db: Database, partnerId: string, webhookId: string) {
  const [row] = await db.select().from(webhooks).where(and(eq(webhooks.id, webhookId), eq(webhooks.partnerId, partnerId))).limit(1);
  if (!row) throw notFound('Webhook');
  return row;
}

export function webhookRoutes(router: Router, { db, webhookTargets = strictestTargetPolicy() }: AppDependencies): void {
  const api = documented(router);

  api.post(
    '/webhooks',
    {
      operationId: 'subscribeWebhook',
      summary: 'Subscribe an endpoint to events',
      description:
        'Each event is POSTed as JSON `{id, type, occurredAt, data}` with the headers `Tenure-Event`, `Tenure-Delivery` and ' +
        '`Tenure-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. A 2xx answer delivers; 5xx, 408, 429, ' +
        'timeouts (10 s) and connection errors are retried with exponential backoff for up to 3 days; 410 disables the ' +
        'subscription; any other 4xx fails the delivery without retry. The URL must reach a public address (https in production): ' +
        'loopback, link-local, private, multicast and Tenure\'s own addresses are refused with 422, and again after DNS at every ' +
        'delivery, where a refused address fails the delivery. Redirects are not followed.',
      tag: TAG,
      role: 'admin',
      body: subscribeWebhook,
      responses: { 201: subscribedWebhookSchema },
    },
    async (ctx) => {
      const caller = requireRole(ctx, 'admin');
      const body = parseInput(subscribeWebhook, ctx.request.body);
      const target = checkTargetSyntax(body.url, webhookTargets);
      if (!target.ok) throw invalidInput([{ field: 'url', message: target.reason }]);
      const secret = body.secret ?? newWebhookSecret();
      const row = await db.transaction(async (tx) => {
        const [created] = await tx
          .insert(webhooks)
          .values({ partnerId: caller.partnerId, url: body.url, description: body.description ?? null, events: body.events, secret })
          .returning();
        await audit(tx, {
          partnerId: caller.partnerId,
          subjectType: 'webhook',
          subjectId: created!.id,
          action: 'webhook.created',
          actor: actorOf(caller),
          after: webhookRepresentation(created!),
        });
        return created!;
      });
      ctx.status = 201;
      ctx.set('Location', `/v1/webhooks/${row.id}`);
      ctx.body = { ...webhookRepresentation(row), secret };
    },
  );

  api.get(
    '/webhooks',
    { operationId: 'listWebhooks', summary: "The partner's webhook subscriptions", tag: TAG, responses: { 200: z.object({ data: z.array(webhookSchema) }) } },
    async (ctx) => {
      const rows = await db.select().from(webhooks).where(eq(webhooks.partnerId, callerOf(ctx).partnerId)).orderBy(asc(webhooks.createdAt), asc(webhooks.id));
      ctx.body = { data: rows.map(webhookRepresentation) };
    },
  );

  api.get(
    '/webhooks/:id',
    { operationId: 'getWebhook', summary: 'One webhook subscription', tag: TAG, responses: { 200: webhookSchema } },
    async (ctx) => {
      ctx.body = webhookRepresentation(await webhookOf(db, callerOf(ctx).partnerId, ctx.params.id!));
    },
  );

  api.delete(
    '/webhooks/:id',
    {
      operationId: 'deleteWebhook',
      summary: 'Delete a webhook subscription and its delivery log',
      description: 'Deliveries still being retried stop at their next attempt.',
      tag: TAG,
      role: 'admin',
      responses: { 204: { description: 'Deleted' } },
    },
    async (ctx) => {
      const caller = requireRole(ctx, 'admin');
      const row = await webhookOf(db, caller.partnerId, ctx.params.id!);
      await db.transaction(async (tx) => {
        await tx.delete(webhooks).where(eq(webhooks.id, row.id));
        await audit(tx, {
          partnerId: caller.partnerId,
          subjectType: 'webhook',
          subjectId: row.id,
          action: 'webhook.deleted',
          actor: actorOf(caller),
          before: webhookRepresentation(row),
        });
      });
      ctx.status = 204;
    },
  );

  api.get(
    '/webhooks/:id/deliveries',
    {
      operationId: 'listWebhookDeliveries',
      summary: "A webhook's delivery log, newest first",
      description: 'Every delivery with each HTTP attempt: when, the status code answered, how long it took, and the error.',
      tag: TAG,
      query: listWebhookDeliveries,
      responses: { 200: z.object({ data: z.array(deliverySchema), next: z.string().nullable().describe('Pass as `after` for the next page') }) },
    },
    async (ctx) => {
      const webhook = await webhookOf(db, callerOf(ctx).partnerId, ctx.params.id!);
      const query = parseInput(listWebhookDeliveries, ctx.query);
      // The event id names its subject (`license:<id>:<revision>`): a scoped key reads deliveries about its own (R2).
      const subject = (part: number) => sql`split_part(${webhookDeliveries.eventId}, ':', ${part})`;
      const filters: SQL[] = [eq(webhookDeliveries.webhookId, webhook.id), scopeOf(callerOf(ctx)).subjects(subject(1), subject(2))];
      if (query.status) filters.push(eq(webhookDeliveries.status, query.status));
      if (query.after) filters.push(olderThan(query.after));
      const rows = await db
        .select()
        .from(webhookDeliveries)
        .where(and(...filters))
        .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
        .limit(query.limit);
      const attempts = rows.length
        ? await db
            .select()
            .from(webhookAttempts)
            .where(inArray(webhookAttempts.deliveryId, rows.map((row) => row.id)))
            .orderBy(asc(webhookAttempts.attempt))
        : [];
      const last = rows.at(-1);
      ctx.body = {
        data: rows.map((row) => deliveryRepresentation(row, attempts.filter((attempt) => attempt.deliveryId === row.id))),
        next: last && rows.length === query.limit ? pageCursor(last) : null,
      };
    },
  );
}

/** Pages are keyed by (createdAt, id), so deliveries written while paging neither repeat nor go missing. */
function pageCursor(row: typeof webhookDeliveries.$inferSelect): string {
  return `${row.createdAt.toISOString()}_${row.id}`;
}

function olderThan(cursor: string): SQL {
  const [createdAt, id] = cursor.split('_') as [string, string];
  const at = new Date(createdAt);
  return or(lt(webhookDeliveries.createdAt, at), and(eq(webhookDeliveries.createdAt, at), lt(webhookDeliveries.id, id)))!;
}
