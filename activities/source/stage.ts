// Reading a source's upstream page by page into the sync's staging rows, from a heartbeating
// activity: a retry after a crash or a maintenance window continues from the last page it
// reported, and each call gives the workflow back its cursor after a while, so the workflow's
// details and GET /v1/operations/:id show the read advancing (DESIGN §5). It heartbeats on a
// steady interval, not per page: one page may take longer than the heartbeat timeout (a 429's
// Retry-After, a slow vendor, many per-company reads), and an attempt taken for dead would be
// retried while it still reads.
import { eq } from 'drizzle-orm';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Database } from '../../db/client.js';
import { operations, syncStaging } from '../../db/schema.js';
import type { CredentialCipher } from '../../platform/source/credentials.js';
import type { StagedKind, StageProgress, StageRequest } from '../../machines/source/sync.js';
import { UpstreamUnavailable, type Page } from './connector.js';
import { connectorOf, sourceRow } from './load.js';
import { markUnavailable, unavailableReason } from './status.js';

/** A call returns its cursor after this long, so the workflow can show progress between calls. */
const CALL_BUDGET_MS = 15_000;
/** Heartbeats per heartbeat timeout: Temporal's own throttling sends one at most every 0.8 timeout. */
const HEARTBEATS_PER_TIMEOUT = 3;
/** Rows per insert: well under PostgreSQL's 65,535 parameters. */
const ROWS_PER_INSERT = 2_000;

interface Staged {
  kind: StagedKind;
  upstreamId: string;
  payload: unknown;
}

export function createStagingActivities(db: Database, cipher: CredentialCipher | undefined) {
  const stage = async (operationId: string, rows: Staged[]) => {
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const chunk = rows.slice(start, start + ROWS_PER_INSERT).map((row) => ({ operationId, ...row }));
      // A page read again after a retry stages nothing twice.
      await db.insert(syncStaging).values(chunk).onConflictDoNothing();
    }
  };

  return {
    /** Reads and stages pages of one kind from `resumeFrom`; answers where to continue (null when the read is complete). */
    async stageUpstream(request: StageRequest): Promise<StageProgress> {
      const context = Context.current();
      const resumed = context.info.heartbeatDetails as StageProgress | undefined;
      let progress: StageProgress = resumed ?? { resumeFrom: request.resumeFrom, companiesRead: 0, companiesTotal: null, licensesRead: 0, itemsStaged: 0 };
      const source = await sourceRow(db, request.sourceId);
      const connector = connectorOf(source, cipher);
      const cursor = progress.resumeFrom ?? undefined;
      // Cancelled (the workflow's, or Temporal's when this attempt was taken for dead): the connector abandons its calls.
      const signal = context.cancellationSignal;
      const pages: AsyncIterable<Page<{ upstreamId: string }>> | undefined =
        request.read === 'companies' ? connector.companies(cursor, signal)
        : request.read === 'licenses' ? connector.licenses(cursor, signal)
        : connector.subscriptions?.(cursor, signal);
      if (!pages) return { ...progress, resumeFrom: null };
      const kind: StagedKind = request.read === 'companies' ? 'company' : request.read === 'licenses' ? 'license' : 'subscription';
      const started = Date.now();
      // The last page's cursor, so a retry resumes from it.
      const heartbeat = context.info.heartbeatTimeoutMs ? setInterval(() => context.heartbeat(progress), context.info.heartbeatTimeoutMs / HEARTBEATS_PER_TIMEOUT) : undefined;
      try {
        for await (const page of pages) {
          // A connector that does not take the signal still stops here, and so do its queued reads.
          signal.throwIfAborted();
          await stage(request.operationId, [
            ...page.items.map((item) => ({ kind, upstreamId: item.upstreamId, payload: item })),
            ...page.gaps.map((gap) => ({ kind: 'gap' as const, upstreamId: gap.companyUpstreamId, payload: gap })),
          ]);
          progress = { resumeFrom: page.resumeFrom, ...page.progress, itemsStaged: progress.itemsStaged + page.items.length };
          context.heartbeat(progress);
          await db
            .update(operations)
            .set({ progressDone: request.read === 'companies' ? progress.companiesRead : progress.licensesRead, progressTotal: request.read === 'companies' ? progress.companiesTotal : null, updatedAt: new Date() })
            .where(eq(operations.id, request.operationId));
          if (Date.now() - started > CALL_BUDGET_MS) return progress;
        }
      } catch (error) {
        // Shown on the source while Temporal retries with backoff (R23); the error itself is rethrown for the retry.
        const reason = unavailableReason(error);
        if (reason) await markUnavailable(db, request.sourceId, reason, (error as Error).message);
        if (error instanceof UpstreamUnavailable && error.lasting) throw ApplicationFailure.nonRetryable(error.message, error.name);
        throw error;
      } finally {
        clearInterval(heartbeat);
      }
      return { ...progress, resumeFrom: null };
    },
  };
}
