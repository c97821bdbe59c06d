// The audit log (R32), read-only: every transition, operation, notice and key change of the
// caller's partner, oldest first, paged by the entry id. There is deliberately no way to change it.
import type Router from '@koa/router';
import { and, asc, eq, gt, gte, like, type SQL } from 'drizzle-orm';
import { auditLog } from '../../db/schema.js';
import type { AppDependencies } from '../app.js';
import { callerOf } from '../auth.js';
import { scopeOf } from '../scope.js';
import { listAudit } from '../schemas.js';
import { nextAfter } from '../paging.js';
import { parseInput } from '../validate.js';
import { documented } from '../openapi/route.js';
import { auditPage } from './responses.js';

type AuditRow = typeof auditLog.$inferSelect;

function representation(row: AuditRow) {
  return {
    id: String(row.id),
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    action: row.action,
    actor: row.actor,
    before: row.before,
    after: row.after,
    at: row.at.toISOString(),
  };
}

export function auditRoutes(router: Router, { db }: AppDependencies): void {
  documented(router).get('/audit', {
    operationId: 'listAuditEntries',
    summary: 'Read the audit log',
    description:
      'Every transition, operation, notice and key change of the partner with actor, time, before and after (R32), oldest first. `subject` is a subject id; `action` is exact (`license.renewed`) or a family (`license.*`); `since` an RFC 3339 time.',
    tag: 'Audit',
    query: listAudit,
    responses: { 200: auditPage },
  }, async (ctx) => {
    const query = parseInput(listAudit, ctx.query);
    const scope = scopeOf(callerOf(ctx));
    const filters: SQL[] = [eq(auditLog.partnerId, scope.partnerId), scope.subjects(auditLog.subjectType, auditLog.subjectId)];
    if (query.subject) filters.push(eq(auditLog.subjectId, query.subject));
    if (query.subjectType) filters.push(eq(auditLog.subjectType, query.subjectType));
    if (query.action) {
      // `license.*` is the family of every license action; `_` is escaped, being LIKE's own wildcard.
      const family = query.action.endsWith('.*') ? `${query.action.slice(0, -1).replaceAll('_', '\\_')}%` : null;
      filters.push(family ? like(auditLog.action, family) : eq(auditLog.action, query.action));
    }
    if (query.since) filters.push(gte(auditLog.at, new Date(query.since)));
    if (query.after !== undefined) filters.push(gt(auditLog.id, query.after));
    const rows = await db.select().from(auditLog).where(and(...filters)).orderBy(asc(auditLog.id)).limit(query.limit);
    ctx.body = { data: rows.map(representation), next: nextAfter(rows, query.limit) };
  });
}
