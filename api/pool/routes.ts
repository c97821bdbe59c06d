// License pools: create, read, and move a whole pool to another access group (R5, R25). A move
// is a Temporal workflow per pool (`pool-move:<poolId>`), so one runs per pool at a time; the
// caller gets 202 and follows it at GET /v1/operations/:id.
import { randomUUID } from 'node:crypto';
import type Router from '@koa/router';
import { and, asc, count, desc, eq, ne, notInArray } from 'drizzle-orm';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Database } from '../../db/client.js';
import { accessGroups, companies, licenses, operations, pools } from '../../db/schema.js';
import { poolMoveWorkflowId, type PoolMoveInput } from '../../machines/pool/contract.js';
import { finalLicenseStates } from '../../machines/lifecycle/states.js';
import type { poolMove } from '../../workflows/pool/move.js';
import type { AppDependencies } from '../app.js';
import { audit } from '../audit/record.js';
import { actorOf, callerOf, requireRole } from '../auth.js';
import { fieldNotFound, invalidInput, notFound, Problem } from '../problem.js';
import { scopeOf, type Scope } from '../scope.js';
import { parseInput } from '../validate.js';
import { documented } from '../openapi/route.js';
import { createPool, movePool } from './schemas.js';
import { operationStarted, poolList, poolResponse } from './responses.js';

type PoolRow = typeof pools.$inferSelect;

async function representation(db: Database, row: PoolRow) {
  // Deleted licenses stay in their pool's rows (R5) but no longer count, as R14's list of pools counts them.
  const [held] = await db.select({ licenses: count() }).from(licenses).where(and(eq(licenses.poolId, row.id), notInArray(licenses.state, [...finalLicenseStates])));
  return {
    id: row.id,
    name: row.name,
    accessGroupId: row.accessGroupId,
    defaultForCompanyId: row.defaultForCompanyId,
    sourceId: row.sourceId,
    licenses: held?.licenses ?? 0,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

async function poolOf(db: Database, scope: Scope, poolId: string): Promise<PoolRow> {
  const [row] = await db.select().from(pools).where(and(eq(pools.id, poolId), scope.pools())).limit(1);
  if (!row) throw notFound('Pool');
  return row;
}

/** An access group the key may use, or a 422 naming the field. */
async function usableGroup(db: Database, scope: Scope, groupId: string, field: string): Promise<void> {
  const [row] = await db.select({ id: accessGroups.id }).from(accessGroups).where(and(eq(accessGroups.id, groupId), scope.accessGroups())).limit(1);
  if (!row) throw fieldNotFound(field);
}

const moveRunning = (operationId: string | undefined) =>
  new Problem(409, 'move_running', 'This pool is already moving', 'One move per pool at a time: follow the running one, then move again if needed.', { operationId: operationId ?? null });

/** The pool's running move, as its operation row says; none once the move has reported its outcome. */
async function runningMove(db: Database, poolId: string, exceptOperationId: string): Promise<string | undefined> {
  const [running] = await db
    .select({ id: operations.id })
    .from(operations)
    .where(and(eq(operations.subjectId, poolId), eq(operations.kind, 'pool_move'), eq(operations.status, 'running'), ne(operations.id, exceptOperationId)))
    .orderBy(desc(operations.createdAt))
    .limit(1);
  return running?.id;
}

/** How long a request waits for a move that has reported its outcome to close. */
const CLOSING_MOVE_WAIT_MS = 5_000;

/**
 * Starts the pool's move workflow. A move still at work refuses with 409 naming its operation. A
 * move that has already reported its outcome still holds the workflow id until its last workflow
 * task closes it: the caller has read "succeeded", so wait that moment and start, not refuse.
 */
async function startMoveWorkflow(
  db: Database,
  temporal: Client,
  { workflowId, taskQueue, input, summary }: { workflowId: string; taskQueue: string; input: PoolMoveInput; summary: string },
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await temporal.workflow.start<typeof poolMove>('poolMove', { workflowId, taskQueue, args: [input], workflowIdConflictPolicy: 'FAIL', staticSummary: summary });
      return;
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const running = await runningMove(db, input.poolId, input.operationId);
      if (running || attempt === 3) throw moveRunning(running);
      await temporal
        .withDeadline(Date.now() + CLOSING_MOVE_WAIT_MS, () => temporal.workflow.getHandle(workflowId).result())
        .catch(() => undefined);
    }
  }
}

export function poolRoutes(router: Router, { db, temporal, taskQueue }: AppDependencies): void {
  const route = documented(router);

  route.post('/pools', {
    operationId: 'createPool',
    summary: 'Create a license pool',
    description: "A pool in an access group. With `companyId` it becomes that company's default pool, where licenses issued without `poolId` land.",
    tag: 'Pools',
    role: 'admin',
    body: createPool,
    responses: { 201: poolResponse },
    problems: { 409: 'The company already has a default pool' },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'admin');
    const scope = scopeOf(caller);
    const body = parseInput(createPool, ctx.request.body);
    await usableGroup(db, scope, body.accessGroupId, 'accessGroupId');
    if (body.companyId) {
      const [company] = await db.select({ id: companies.id }).from(companies).where(and(eq(companies.id, body.companyId), eq(companies.partnerId, caller.partnerId)));
      if (!company) throw fieldNotFound('companyId');
    }
    const row = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(pools)
        .values({ partnerId: caller.partnerId, name: body.name, accessGroupId: body.accessGroupId, defaultForCompanyId: body.companyId ?? null })
        .onConflictDoNothing()
        .returning();
      if (!row) throw new Problem(409, 'default_pool_exists', 'The company already has a default pool', 'Issue into it, or name another pool with `poolId`.');
      await audit(tx, { partnerId: caller.partnerId, subjectType: 'pool', subjectId: row.id, action: 'pool.created', actor: actorOf(caller), after: { name: row.name, accessGroupId: row.accessGroupId } });
      return row;
    });
    ctx.status = 201;
    ctx.set('Location', `/v1/pools/${row.id}`);
    ctx.body = await representation(db, row);
  });

  route.get('/pools', {
    operationId: 'listPools',
    summary: 'List license pools',
    tag: 'Pools',
    responses: { 200: poolList },
  }, async (ctx) => {
    const rows = await db.select().from(pools).where(scopeOf(callerOf(ctx)).pools()).orderBy(asc(pools.name), asc(pools.id));
    ctx.body = { data: await Promise.all(rows.map((row) => representation(db, row))) };
  });

  route.get('/pools/:id', {
    operationId: 'getPool',
    summary: 'Read a license pool, its access group and how many licenses it holds',
    tag: 'Pools',
    responses: { 200: poolResponse },
  }, async (ctx) => {
    ctx.body = await representation(db, await poolOf(db, scopeOf(callerOf(ctx)), ctx.params.id!));
  });

  route.post('/pools/:id/move', {
    operationId: 'movePool',
    summary: 'Move a pool and all its licenses to another access group',
    description:
      'A license never leaves its pool; the whole pool moves (R5), all its licenses at once. Answers 202 with the operation to follow. ' +
      'Installers and users tied to the old group are affected (R25): the operation\'s result says so.',
    tag: 'Pools',
    role: 'admin',
    body: movePool,
    responses: { 202: operationStarted },
    problems: { 409: 'A move of this pool is running; `operationId` names it. It is null when the previous move has reported its outcome but its workflow has not closed after 15 s: try again shortly' },
  }, async (ctx) => {
    const caller = requireRole(ctx, 'admin');
    const scope = scopeOf(caller);
    const pool = await poolOf(db, scope, ctx.params.id!);
    const body = parseInput(movePool, ctx.request.body);
    await usableGroup(db, scope, body.accessGroupId, 'accessGroupId');
    if (body.accessGroupId === pool.accessGroupId) throw invalidInput([{ field: 'accessGroupId', message: 'is already the pool\'s access group' }]);
    const input: PoolMoveInput = { operationId: randomUUID(), partnerId: caller.partnerId, poolId: pool.id, accessGroupId: body.accessGroupId, actor: actorOf(caller) };
    const workflowId = poolMoveWorkflowId(pool.id);
    await db.insert(operations).values({
      id: input.operationId,
      partnerId: caller.partnerId,
      kind: 'pool_move',
      subjectType: 'pool',
      subjectId: pool.id,
      workflowId,
      request: { poolId: pool.id, ...body },
      actor: input.actor,
    });
    try {
      await startMoveWorkflow(db, temporal, { workflowId, taskQueue, input, summary: `Move pool "${pool.name}" to access group ${body.accessGroupId}` });
    } catch (error) {
      // Never started: the row is nobody's.
      await db.delete(operations).where(eq(operations.id, input.operationId));
      throw error;
    }
    ctx.status = 202;
    ctx.set('Location', `/v1/operations/${input.operationId}`);
    ctx.body = { operationId: input.operationId };
  });
}
