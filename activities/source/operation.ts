// A sync as a long operation (`GET /v1/operations/:id`, kind `sync`): opened when the workflow
// starts, closed with its counts or its error; the source's status and last sync follow.
import { and, eq } from 'drizzle-orm';
import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '../../db/client.js';
import { operations, sources, syncStaging } from '../../db/schema.js';
import { SYNC_REFUSED, type SourceUnavailableReason, type SyncCounts, type SyncTrigger } from '../../machines/source/sync.js';
import { markUnavailable } from './status.js';

export interface OpenSync {
  operationId: string;
  sourceId: string;
  workflowId: string;
  trigger: SyncTrigger;
  actor: string;
}

export type SyncOutcome =
  | { status: 'succeeded'; counts: SyncCounts }
  | { status: 'failed'; error: string; reason: SourceUnavailableReason | null };

export function createSyncOperationActivities(db: Database) {
  return {
    /** Writes the operation (once, whatever the retries) and answers the source's name for the workflow's summary. */
    async openSync(open: OpenSync): Promise<{ sourceName: string }> {
      const [source] = await db.select({ partnerId: sources.partnerId, name: sources.name }).from(sources).where(eq(sources.id, open.sourceId));
      if (!source) throw ApplicationFailure.nonRetryable(`source ${open.sourceId} no longer exists`, SYNC_REFUSED);
      await db
        .insert(operations)
        .values({
          id: open.operationId,
          partnerId: source.partnerId,
          kind: 'sync',
          subjectType: 'source',
          subjectId: open.sourceId,
          workflowId: open.workflowId,
          request: { trigger: open.trigger },
          result: { phase: 'reading_companies' },
          actor: open.actor,
        })
        .onConflictDoNothing();
      return { sourceName: source.name };
    },

    /** Shows the phase a sync is in on its operation. */
    async syncPhase({ operationId, phase }: { operationId: string; phase: string }): Promise<void> {
      await db.update(operations).set({ result: { phase }, progressDone: 0, progressTotal: null, updatedAt: new Date() }).where(and(eq(operations.id, operationId), eq(operations.status, 'running')));
    },

    /** The sync's final word: its counts and duration, or its error; the staging rows go either way. */
    async finishSync({ operationId, sourceId, outcome }: { operationId: string; sourceId: string; outcome: SyncOutcome }): Promise<{ durationMs: number }> {
      const now = new Date();
      const [operation] = await db.select({ createdAt: operations.createdAt }).from(operations).where(eq(operations.id, operationId));
      const durationMs = operation ? now.getTime() - operation.createdAt.getTime() : 0;
      await db.delete(syncStaging).where(eq(syncStaging.operationId, operationId));
      if (outcome.status === 'succeeded') {
        await db
          .update(operations)
          .set({ status: 'succeeded', result: { ...outcome.counts, durationMs }, updatedAt: now, completedAt: now })
          .where(eq(operations.id, operationId));
        await db
          .update(sources)
          .set({ status: 'ok', statusReason: null, statusDetail: null, statusChangedAt: now, lastSyncAt: now, lastSyncOperationId: operationId, updatedAt: now })
          .where(eq(sources.id, sourceId));
      } else {
        await db.update(operations).set({ status: 'failed', error: outcome.error, updatedAt: now, completedAt: now }).where(eq(operations.id, operationId));
        if (outcome.reason) await markUnavailable(db, sourceId, outcome.reason, outcome.error);
        await db.update(sources).set({ lastSyncAt: now, lastSyncOperationId: operationId }).where(eq(sources.id, sourceId));
      }
      return { durationMs };
    },
  };
}
