// Long operations (a pool move, a sync) answer 202 with an id; this is where callers follow them.
import type Router from '@koa/router';
import { and, eq } from 'drizzle-orm';
import { operations } from '../../db/schema.js';
import type { AppDependencies } from '../app.js';
import { callerOf } from '../auth.js';
import { notFound } from '../problem.js';
import { scopeOf } from '../scope.js';
import { documented } from '../openapi/route.js';
import { operationResponse } from './responses.js';

type OperationRow = typeof operations.$inferSelect;

export function operationRepresentation(row: OperationRow) {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    subject: { type: row.subjectType, id: row.subjectId },
    workflowId: row.workflowId,
    progress: { done: row.progressDone, total: row.progressTotal },
    request: row.request,
    result: row.result,
    error: row.error,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    completedAt: row.completedAt?.toISOString() ?? null,
  };
}

export function operationRoutes(router: Router, { db }: AppDependencies): void {
  documented(router).get('/operations/:id', {
    operationId: 'getOperation',
    summary: 'Follow a long operation',
    description: 'A pool move or a sync: `status` running, succeeded or failed, its progress, and its result or error.',
    tag: 'Operations',
    responses: { 200: operationResponse },
  }, async (ctx) => {
    const scope = scopeOf(callerOf(ctx));
    const [row] = await db
      .select()
      .from(operations)
      .where(and(eq(operations.id, ctx.params.id!), eq(operations.partnerId, scope.partnerId), scope.subjects(operations.subjectType, operations.subjectId)))
      .limit(1);
    if (!row) throw notFound('Operation');
    ctx.body = operationRepresentation(row);
  });
}

