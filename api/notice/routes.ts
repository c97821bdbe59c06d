// The outbox: every notice the partner's lifecycles made due, whether it went out and to
// whom, and one notice with its mail as rendered: what was sent, or what would be.
import type Router from '@koa/router';
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { composeNotice, UndeliverableNotice, type OutboxRow } from '../../platform/notice/compose.js';
import { NoticeRenderError } from '../../platform/notice/render.js';
import type { Database } from '../../db/client.js';
import { outbox } from '../../db/schema.js';
import type { AppDependencies } from '../app.js';
import { callerOf } from '../auth.js';
import { scopeOf, type Scope } from '../scope.js';
import { notFound } from '../problem.js';
import { listOutbox } from '../schemas.js';
import { nextAfter } from '../paging.js';
import { parseInput } from '../validate.js';
import { documented } from '../openapi/route.js';
import { noticePage, noticeWithMail } from './responses.js';

export function outboxRoutes(router: Router, { db }: AppDependencies): void {
  const route = documented(router);

  route.get('/outbox', {
    operationId: 'listNotices',
    summary: 'List the notices made due, newest first',
    tag: 'Notices',
    query: listOutbox,
    responses: { 200: noticePage },
  }, async (ctx) => {
    const scope = scopeOf(callerOf(ctx));
    const query = parseInput(listOutbox, ctx.query);
    const filters: SQL[] = [eq(outbox.partnerId, scope.partnerId), scope.subjects(outbox.subjectType, outbox.subjectId)];
    if (query.subjectId) filters.push(eq(outbox.subjectId, query.subjectId));
    if (query.status) filters.push(eq(outbox.status, query.status));
    if (query.kind) filters.push(eq(outbox.kind, query.kind));
    if (query.after) {
      // Newest first: the next page holds what was recorded before the last notice seen.
      filters.push(sql`(${outbox.createdAt}, ${outbox.id}) < (select seen.created_at, seen.id from ${outbox} seen where seen.id = ${query.after})`);
    }
    const rows = await db.select().from(outbox).where(and(...filters)).orderBy(desc(outbox.createdAt), desc(outbox.id)).limit(query.limit);
    ctx.body = { data: rows.map(representation), next: nextAfter(rows, query.limit) };
  });

  route.get('/outbox/:id', {
    operationId: 'getNotice',
    summary: 'Read a notice with its mail as rendered',
    tag: 'Notices',
    responses: { 200: noticeWithMail },
  }, async (ctx) => {
    const row = await noticeOf(db, scopeOf(callerOf(ctx)), ctx.params.id!);
    const composed = await composeNotice(db, row, { locale: row.locale ?? undefined }).catch((error: unknown) => {
      // A notice that cannot be rendered is shown with its error, not as a server failure.
      if (error instanceof NoticeRenderError || error instanceof UndeliverableNotice) return undefined;
      throw error;
    });
    ctx.body = {
      ...representation(row),
      // Once settled, who it went to is the record; before, who it would go to now.
      recipients: row.recipients ?? composed?.recipients ?? [],
      locale: row.locale ?? composed?.mail.locale ?? null,
      mail: composed ? { subject: composed.mail.subject, text: composed.mail.text, html: composed.mail.html } : null,
    };
  });
}

async function noticeOf(db: Database, scope: Scope, id: string): Promise<OutboxRow> {
  const [row] = await db
    .select()
    .from(outbox)
    .where(and(eq(outbox.id, id), eq(outbox.partnerId, scope.partnerId), scope.subjects(outbox.subjectType, outbox.subjectId)))
    .limit(1);
  if (!row) throw notFound('Notice');
  return row;
}

function representation(row: OutboxRow) {
  return {
    id: row.id,
    key: row.key,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    companyId: row.companyId,
    kind: row.kind,
    ...(row.offset ? { offset: row.offset } : {}),
    cycle: row.cycle,
    facts: row.facts,
    status: row.status,
    dueAt: row.dueAt.toISOString(),
    sentAt: row.sentAt?.toISOString() ?? null,
    messageId: row.messageId,
    recipients: row.recipients,
    locale: row.locale,
    error: row.error,
    createdAt: row.createdAt.toISOString(),
  };
}
