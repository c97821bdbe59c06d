// The I/O of a pool move (R5, R25): the pool and every license of it change group in one
// transaction, then each license workflow is told, in batches, from a heartbeating activity
// that a retry after a worker crash resumes where its last heartbeat was.
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Database } from '../../db/client.js';
import { accessGroups, auditLog, licenses, operations, pools } from '../../db/schema.js';
import { licenseWorkflowId } from '../../machines/license/contract.js';
import type { FactsChange } from '../../machines/lifecycle/contract.js';
import { LICENSES_PER_BATCH, MOVE_REFUSED, POOL_MOVED, moveWarning, type LicensesTold, type PoolMoveInput, type PoolMoved } from '../../machines/pool/contract.js';

export interface TellLicenses {
  operationId: string;
  poolId: string;
  accessGroupId: string;
  /** The signal's name, from the workflow that owns its definition. */
  signalName: string;
}

export interface OperationOutcome {
  operationId: string;
  status: 'succeeded' | 'failed';
  result?: Record<string, unknown>;
  error?: string;
}

/** Names the move's one audit entry: a retried transaction finds it and changes nothing. */
const moveKey = (operationId: string) => `pool-move:${operationId}`;

export function createPoolActivities(db: Database) {
  return {
    /** Moves the pool and all its licenses at once: every reader sees all of them in the old group or all in the new. */
    async movePool(input: PoolMoveInput): Promise<PoolMoved> {
      return db.transaction(async (tx) => {
        const [pool] = await tx.select().from(pools).where(and(eq(pools.id, input.poolId), eq(pools.partnerId, input.partnerId))).for('update');
        if (!pool) throw ApplicationFailure.nonRetryable('The pool no longer exists.', MOVE_REFUSED);
        const [done] = await tx.select().from(auditLog).where(eq(auditLog.dedupeKey, moveKey(input.operationId)));
        if (done) return done.after as unknown as PoolMoved;
        const [group] = await tx.select({ id: accessGroups.id }).from(accessGroups).where(and(eq(accessGroups.id, input.accessGroupId), eq(accessGroups.partnerId, input.partnerId)));
        if (!group) throw ApplicationFailure.nonRetryable('The target access group no longer exists.', MOVE_REFUSED);
        const now = new Date();
        await tx.update(pools).set({ accessGroupId: input.accessGroupId, updatedAt: now }).where(eq(pools.id, pool.id));
        const moved = await tx.update(licenses).set({ accessGroupId: input.accessGroupId }).where(eq(licenses.poolId, pool.id)).returning({ id: licenses.id });
        const result: PoolMoved = { fromAccessGroupId: pool.accessGroupId, toAccessGroupId: input.accessGroupId, licenses: moved.length };
        await tx.insert(auditLog).values({
          partnerId: input.partnerId,
          subjectType: 'pool',
          subjectId: pool.id,
          action: POOL_MOVED,
          actor: input.actor,
          before: { accessGroupId: pool.accessGroupId },
          after: { ...result, warning: moveWarning(pool.accessGroupId) },
          at: now,
          dedupeKey: moveKey(input.operationId),
        });
        await tx.update(operations).set({ progressTotal: moved.length, updatedAt: now }).where(eq(operations.id, input.operationId));
        return result;
      });
    },

    /**
     * Tells every license workflow of the pool its new group, in id order, a batch at a time.
     * Resumes after the last batch a previous attempt reported; telling one twice is harmless.
     */
    async tellLicensesOfMove(request: TellLicenses): Promise<LicensesTold> {
      const context = Context.current();
      let progress: LicensesTold = (context.info.heartbeatDetails as LicensesTold | undefined) ?? { afterId: null, told: 0 };
      const change: FactsChange = { poolId: request.poolId, accessGroupId: request.accessGroupId };
      for (;;) {
        const batch = await db
          .select({ id: licenses.id })
          .from(licenses)
          .where(and(eq(licenses.poolId, request.poolId), progress.afterId ? gt(licenses.id, progress.afterId) : undefined))
          .orderBy(asc(licenses.id))
          .limit(LICENSES_PER_BATCH);
        if (batch.length === 0) return progress;
        await Promise.all(batch.map(({ id }) => context.client.workflow.getHandle(licenseWorkflowId(id)).signal(request.signalName, change).catch(ignoreClosed)));
        progress = { afterId: batch.at(-1)!.id, told: progress.told + batch.length };
        context.heartbeat(progress);
        await db.update(operations).set({ progressDone: sql`greatest(${operations.progressDone}, ${progress.told})`, updatedAt: new Date() }).where(eq(operations.id, request.operationId));
      }
    },

    /** The operation's final word, read by GET /v1/operations/:id. */
    async finishOperation(outcome: OperationOutcome): Promise<void> {
      const now = new Date();
      await db
        .update(operations)
        .set({ status: outcome.status, result: outcome.result ?? null, error: outcome.error ?? null, updatedAt: now, completedAt: now })
        .where(eq(operations.id, outcome.operationId));
    },
  };
}

/** A deleted license's workflow has closed: its group no longer matters to anyone. */
function ignoreClosed(error: unknown): void {
  if (!(error instanceof WorkflowNotFoundError)) throw error;
}

export type PoolActivities = ReturnType<typeof createPoolActivities>;
