// One push of billing quantities to ConnectWise (R26, R27): claimed in billing_pushes before
// anything is sent, line by line with each confirmed line recorded, so a worker killed during
// a push resumes it without sending a line twice, and a period is pushed once.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { billingPushes } from '../../db/schema.js';
import { billingEvents, billingFailures, pushLinesOf, type BillingPushOutcome, type BillingPushRequest } from '../../machines/billing/contract.js';
import { zeroQuantityLines, type BillingLine } from '../../machines/billing/quantities.js';
import { billingPlanOf } from '../../platform/billing/store.js';
import type { CredentialCipher } from '../../platform/source/credentials.js';
import { ConnectWiseError, type ConnectWiseClient } from './connectwise-client.js';
import { recordBillingEvent } from './event.js';
import { asFailure, failureTypeOf, failureTypeTellingLongWaits } from './failure.js';
import { connectWiseClientFor } from './lookup.js';

type PushRow = typeof billingPushes.$inferSelect;

const HEARTBEAT_EVERY_MS = 2_000;

export function createBillingPushActivities(db: Database, cipher: CredentialCipher | undefined) {
  /** The push's row, claimed with the lines it will send; a row found already claimed is answered as it is. */
  async function claim(request: BillingPushRequest): Promise<{ row: PushRow; resumed: boolean } | { refusal: string }> {
    const existing = await findPush(db, request);
    if (existing) return { row: existing, resumed: true };
    const plan = await billingPlanOf(db, request.partnerId, request.companyId);
    if (!plan?.settings.enabled) return { refusal: 'ConnectWise billing is not set up and enabled for this company' };
    const lines = request.lines ?? plan.lines;
    const [row] = await db
      .insert(billingPushes)
      .values({ id: request.pushId, partnerId: request.partnerId, companyId: request.companyId, trigger: request.trigger, period: request.period, lines, actor: request.actor })
      .onConflictDoNothing()
      .returning();
    if (row) return { row, resumed: false };
    return { row: (await findPush(db, request))!, resumed: true };
  }

  return {
    async pushBilling(request: BillingPushRequest): Promise<BillingPushOutcome> {
      const context = Context.current();
      const beat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        const claimed = await claim(request);
        if ('refusal' in claimed) throw ApplicationFailure.nonRetryable(claimed.refusal, billingFailures.notConfigured);
        const { row, resumed } = claimed;
        if (row.status !== 'pending') return outcomeOf(await finish(db, row, row.status, row.error, row.errorType));

        const plan = await billingPlanOf(db, row.partnerId, row.companyId);
        const zeros = zeroQuantityLines(row.lines);
        if (zeros.length > 0 && !plan?.settings.allowZeroQuantity) {
          const products = zeros.map((line) => line.product).join(', ');
          const error = `refused: the push would set ${products} to 0; allow zero quantities in the company's settings if that is right`;
          return outcomeOf(await finish(db, row, 'failed', error, billingFailures.zeroQuantity));
        }
        const client = await connectWiseClientFor(db, cipher, row.partnerId);
        try {
          await pushLines(db, client, row, resumed || context.info.attempt > 1);
        } catch (error) {
          if (!(error instanceof ConnectWiseError)) throw error;
          if (error.retryable) throw asFailure(error, failureTypeTellingLongWaits);
          return outcomeOf(await finish(db, row, 'failed', error.message, failureTypeOf(error)));
        }
        return outcomeOf(await finish(db, row, 'pushed', null, null));
      } finally {
        clearInterval(beat);
      }
    },

    /** After the retries of an unavailable ConnectWise ran out: the push failed, and says why and, if ConnectWise said, when to try again. */
    async recordBillingPushGaveUp(request: BillingPushRequest, error: string, retryAfterMs: number | null = null): Promise<BillingPushOutcome> {
      const row = await findPush(db, request);
      if (!row) throw ApplicationFailure.nonRetryable(`no push ${request.pushId} to record`, billingFailures.notConfigured);
      return outcomeOf(await finish(db, row, 'failed', error, billingFailures.connectWiseUnavailable), retryAfterMs);
    },
  };
}

export type BillingPushActivities = ReturnType<typeof createBillingPushActivities>;

/** A scheduled push is found by its period, whichever run of the schedule claimed it; send now by its id. */
async function findPush(db: Database, request: BillingPushRequest): Promise<PushRow | undefined> {
  const where =
    request.trigger === 'scheduled'
      ? and(eq(billingPushes.companyId, request.companyId), eq(billingPushes.period, request.period), eq(billingPushes.trigger, 'scheduled'))
      : eq(billingPushes.id, request.pushId);
  const [row] = await db.select().from(billingPushes).where(where);
  return row;
}

/**
 * Sends each line not yet confirmed. When an earlier attempt may have sent a line without
 * recording it (a crash between ConnectWise's answer and our write), the addition's quantity
 * is read first, and a line already applied is recorded instead of sent again.
 */
async function pushLines(db: Database, client: ConnectWiseClient, row: PushRow, mayBeApplied: boolean): Promise<void> {
  const done = new Set(row.additionsDone);
  for (const line of row.lines) {
    if (done.has(line.additionId)) continue;
    if (!(mayBeApplied && (await alreadyApplied(client, line)))) {
      await client.updateAdditionQuantity(line.agreementId, line.additionId, line.quantity);
    }
    await db
      .update(billingPushes)
      .set({ additionsDone: sql`${billingPushes.additionsDone} || ${JSON.stringify([line.additionId])}::jsonb` })
      .where(eq(billingPushes.id, row.id));
  }
}

async function alreadyApplied(client: ConnectWiseClient, line: BillingLine): Promise<boolean> {
  const additions = await client.listAdditions(line.agreementId);
  return additions.some((addition) => addition.id === line.additionId && addition.quantity === line.quantity);
}

/**
 * Ends a pending push with its audit entry and webhook event, which say line by line what
 * ConnectWise holds; a push already ended keeps its outcome.
 */
async function finish(db: Database, row: PushRow, status: 'pushed' | 'failed', error: string | null, errorType: string | null) {
  return db.transaction(async (tx) => {
    const [ended] = await tx
      .update(billingPushes)
      .set({ status, error, errorType, completedAt: new Date() })
      .where(and(eq(billingPushes.id, row.id), eq(billingPushes.status, 'pending')))
      .returning();
    const final = ended ?? (await tx.select().from(billingPushes).where(eq(billingPushes.id, row.id)))[0]!;
    const webhookDeliveryIds = await recordBillingEvent(tx, {
      key: `billing:${final.id}`,
      partnerId: final.partnerId,
      companyId: final.companyId,
      type: final.status === 'pushed' ? billingEvents.pushed : billingEvents.failed,
      actor: final.actor,
      at: final.completedAt ?? new Date(),
      data: { pushId: final.id, trigger: final.trigger, period: final.period, lines: pushLinesOf(final.lines, final.additionsDone), error: final.error, errorType: final.errorType },
    });
    return { final, webhookDeliveryIds };
  });
}

function outcomeOf({ final, webhookDeliveryIds }: { final: PushRow; webhookDeliveryIds: string[] }, retryAfterMs: number | null = null): BillingPushOutcome {
  return {
    pushId: final.id,
    status: final.status === 'pushed' ? 'pushed' : 'failed',
    period: final.period,
    lines: pushLinesOf(final.lines, final.additionsDone),
    error: final.error,
    errorType: final.errorType,
    retryAfterMs,
    at: (final.completedAt ?? final.createdAt).toISOString(),
    webhookDeliveryIds,
  };
}
