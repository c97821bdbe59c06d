// Sources (DESIGN §5, §8): upstream vendor accounts, verified against their upstream before they
// are saved (R3, R4), synced daily by a Temporal Schedule and on demand (R21), and their syncs
// with what each one changed. Credentials go in encrypted and never come out. Sources are the
// partner's settings: keys scoped to access groups do not see them.
import type Router from '@koa/router';
import { and, desc, eq, ne } from 'drizzle-orm';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Database } from '../../db/client.js';
import { operations, sources } from '../../db/schema.js';
import { SCHEDULE_WORKFLOW_TYPE, SYNC_WORKFLOW_TYPE, VERIFY_WORKFLOW_TYPE, syncScheduleId, syncWorkflowId, verifySourceWorkflowId, type SyncCounts, type SyncInput } from '../../machines/source/sync.js';
import { defaultBaseUrls, refusedAccountTypes } from '../../machines/source/upstream.js';
import { syncOperation } from '../../workflows/source/messages.js';
import { PartnerId, SourceId } from '../../workflows/search-attributes.js';
import type { AppDependencies } from '../app.js';
import { audit } from '../audit/record.js';
import { actorOf, callerOf, requireRole, type Caller } from '../auth.js';
import { documented } from '../openapi/route.js';
import { operationStarted } from '../pool/responses.js';
import { invalidInput, notFound, Problem } from '../problem.js';
import { parseInput } from '../validate.js';
import { sourceList, sourceResponse, syncList } from './responses.js';
import { createSource, listSyncs } from './schemas.js';
import { verificationProblem } from './verification.js';

type SourceRow = typeof sources.$inferSelect;
type OperationRow = typeof operations.$inferSelect;

const DAY_MS = 86_400_000;
/** Not yet verified: invisible to every read, removed if verification fails. */
const VERIFYING = 'verifying';

export function sourceRoutes(router: Router, deps: AppDependencies): void {
  const { db, temporal, taskQueue } = deps;
  const route = documented(router);

  route.post('/sources', {
    operationId: 'createSource',
    summary: 'Add an upstream vendor account',
    description: 'Verified against the upstream before it is saved: a `distributor` account is refused (R3), and so are credentials that read no company (R4). Creates the daily Temporal Schedule of its sync (R21).',
    tag: 'Sources',
    role: 'admin',
    body: createSource,
    responses: { 201: sourceResponse },
    problems: { 503: 'The vendor could not verify the source now (maintenance, unreachable); nothing was saved' },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'admin');
    const body = parseInput(createSource, ctx.request.body);
    if ((refusedAccountTypes as readonly string[]).includes(body.accountType)) {
      throw invalidInput([{ field: 'accountType', message: 'R3: a distributor account sells to MSPs and holds no companies of its own, so it cannot be imported; import an msp, managed_msp or msp_manager account' }]);
    }
    const { credentials } = body;
    // A feed's URL is required by its shape; a vendor's API defaults to its public one.
    const baseUrl = body.vendor === 'json_feed' ? body.baseUrl : (body.baseUrl ?? defaultBaseUrls[body.vendor]);
    if (!deps.sourceCredentials) throw new Problem(503, 'credentials_key_missing', 'Sources cannot be saved here', 'This installation has no TENURE_CREDENTIALS_KEY to encrypt credentials with.');
    const id = crypto.randomUUID();
    await db.insert(sources).values({
      id,
      partnerId: caller.partnerId,
      name: body.name,
      vendor: body.vendor,
      accountType: body.accountType,
      hybrid: body.hybrid,
      baseUrl,
      credentials: deps.sourceCredentials.encrypt(credentials),
      status: VERIFYING,
    });
    try {
      await temporal.workflow.execute(VERIFY_WORKFLOW_TYPE, { workflowId: verifySourceWorkflowId(id), taskQueue, args: [id], staticSummary: `Verify source "${body.name}"` });
    } catch (error) {
      await db.delete(sources).where(eq(sources.id, id));
      throw verificationProblem(error);
    }
    await createSchedule(temporal, taskQueue, id, body.name);
    const [row] = await db.update(sources).set({ status: 'never_synced', updatedAt: new Date() }).where(eq(sources.id, id)).returning();
    await audit(db, { partnerId: caller.partnerId, subjectType: 'source', subjectId: id, action: 'source.created', actor: actorOf(caller), after: { name: body.name, vendor: body.vendor, accountType: body.accountType, baseUrl } });
    ctx.status = 201;
    ctx.set('Location', `/v1/sources/${id}`);
    ctx.body = await representation(db, temporal, row!);
  });

  route.get('/sources', {
    operationId: 'listSources',
    summary: 'List upstream sources',
    tag: 'Sources',
    responses: { 200: sourceList },
  }, async (ctx) => {
    const caller = callerOf(ctx);
    const rows = partnerWide(caller)
      ? await db.select().from(sources).where(and(eq(sources.partnerId, caller.partnerId), ne(sources.status, VERIFYING))).orderBy(sources.createdAt)
      : [];
    ctx.body = { data: await Promise.all(rows.map((row) => representation(db, temporal, row))) };
  });

  route.get('/sources/:id', {
    operationId: 'getSource',
    summary: 'Read a source: its status, last sync and next scheduled sync',
    tag: 'Sources',
    responses: { 200: sourceResponse },
  }, async (ctx) => {
    ctx.body = await representation(db, temporal, await sourceOf(db, callerOf(ctx), ctx.params.id!));
  });

  route.post('/sources/:id/sync', {
    operationId: 'syncSource',
    summary: 'Sync a source now',
    description: 'Answers 202 with the operation to follow at `GET /v1/operations/:id`; while a sync of the source runs, with that one (R21).',
    tag: 'Sources',
    role: 'operator',
    responses: { 202: operationStarted },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'operator');
    const source = await sourceOf(db, caller, ctx.params.id!);
    const input: SyncInput = { sourceId: source.id, trigger: 'manual', actor: actorOf(caller) };
    const { operationId } = await startOrJoinSync(temporal, taskQueue, source, input);
    ctx.status = 202;
    ctx.set('Location', `/v1/operations/${operationId}`);
    ctx.body = { operationId };
  });

  route.get('/sources/:id/syncs', {
    operationId: 'listSourceSyncs',
    summary: "A source's syncs, latest first, with what each changed",
    tag: 'Sources',
    query: listSyncs,
    responses: { 200: syncList },
  }, async (ctx) => {
    const source = await sourceOf(db, callerOf(ctx), ctx.params.id!);
    const { limit } = parseInput(listSyncs, ctx.query);
    const rows = await db
      .select()
      .from(operations)
      .where(and(eq(operations.partnerId, source.partnerId), eq(operations.subjectId, source.id), eq(operations.kind, 'sync')))
      .orderBy(desc(operations.createdAt))
      .limit(limit);
    ctx.body = { data: rows.map(syncRepresentation) };
  });
}

/**
 * The running sync answers instead of a second one. One that is writing its result refuses (its
 * counts are already read): wait the moment until it closes, then start the next.
 */
async function startOrJoinSync(temporal: Client, taskQueue: string, source: SourceRow, input: SyncInput): Promise<{ operationId: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await temporal.workflow.executeUpdateWithStart(syncOperation, {
        startWorkflowOperation: new WithStartWorkflowOperation(SYNC_WORKFLOW_TYPE, {
          workflowId: syncWorkflowId(source.id),
          taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          staticSummary: `Sync of source "${source.name}"`,
          typedSearchAttributes: [
            { key: PartnerId, value: source.partnerId },
            { key: SourceId, value: source.id },
          ],
        }),
      });
    } catch (error) {
      if (!(error instanceof WorkflowUpdateFailedError) || attempt === 3) throw error;
      await temporal.workflow.getHandle(syncWorkflowId(source.id)).result().catch(() => undefined);
    }
  }
}

/** R1 and R2: another partner's source, or any source for a key scoped to access groups, does not exist. */
export async function sourceOf(db: Database, caller: Caller, sourceId: string): Promise<SourceRow> {
  if (!partnerWide(caller)) throw notFound('Source');
  const [row] = await db.select().from(sources).where(and(eq(sources.id, sourceId), eq(sources.partnerId, caller.partnerId), ne(sources.status, VERIFYING))).limit(1);
  if (!row) throw notFound('Source');
  return row;
}

function partnerWide(caller: Caller): boolean {
  return caller.accessGroupIds === null;
}

/** Daily, at the time of day the source was created, so sources spread over the day; a run that would overlap a running sync is skipped. */
async function createSchedule(temporal: Client, taskQueue: string, sourceId: string, name: string): Promise<void> {
  await temporal.schedule.create({
    scheduleId: syncScheduleId(sourceId),
    // Daily at the time of day the source was saved, first a day from now. A minute's margin so
    // an offset of exactly now cannot match the very second the source is saved.
    spec: { intervals: [{ every: DAY_MS, offset: (Date.now() - 60_000) % DAY_MS }] },
    action: { type: 'startWorkflow', workflowType: SCHEDULE_WORKFLOW_TYPE, args: [sourceId], taskQueue, workflowId: `sync-scheduled:${sourceId}` },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    state: { note: `Daily sync of source "${name}" (${sourceId})` },
  });
}

async function nextSyncAt(temporal: Client, sourceId: string): Promise<string | null> {
  try {
    const described = await temporal.schedule.getHandle(syncScheduleId(sourceId)).describe();
    return described.info.nextActionTimes[0]?.toISOString() ?? null;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return null;
    throw error;
  }
}

async function representation(db: Database, temporal: Client, row: SourceRow) {
  const [lastSync] = row.lastSyncOperationId ? await db.select().from(operations).where(eq(operations.id, row.lastSyncOperationId)) : [];
  return {
    id: row.id,
    name: row.name,
    vendor: row.vendor as 'eset_ema2' | 'sophos_partner' | 'json_feed',
    accountType: row.accountType,
    hybrid: row.hybrid,
    baseUrl: row.baseUrl,
    status: row.status as 'never_synced' | 'ok' | 'upstream_unavailable',
    statusReason: row.statusReason,
    statusDetail: row.statusDetail,
    lastSync: lastSync ? syncRepresentation(lastSync) : null,
    nextSyncAt: await nextSyncAt(temporal, row.id),
    scheduleId: syncScheduleId(row.id),
    createdAt: row.createdAt.toISOString(),
  };
}

function syncRepresentation(row: OperationRow) {
  const result = (row.result ?? {}) as Partial<SyncCounts>;
  const succeeded = row.status === 'succeeded';
  return {
    operationId: row.id,
    status: row.status,
    trigger: ((row.request as { trigger?: string }).trigger ?? 'manual') as 'schedule' | 'manual',
    startedAt: row.createdAt.toISOString(),
    completedAt: row.completedAt?.toISOString() ?? null,
    durationMs: row.completedAt ? row.completedAt.getTime() - row.createdAt.getTime() : null,
    counts: succeeded
      ? {
          companiesCreated: result.companiesCreated ?? 0,
          licensesCreated: result.licensesCreated ?? 0,
          licensesUpdated: result.licensesUpdated ?? 0,
          licensesRemoved: result.licensesRemoved ?? 0,
          licensesUnchanged: result.licensesUnchanged ?? 0,
          rowsWritten: result.rowsWritten ?? 0,
          companiesUnread: result.companiesUnread ?? 0,
        }
      : null,
    unreadCompanies: (succeeded && result.unreadCompanies) || [],
    error: row.error,
  };
}
