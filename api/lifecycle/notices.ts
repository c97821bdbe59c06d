// The notices of a license's or account's current cycle, as reading one subject shows them.
import { sql, type SQL } from 'drizzle-orm';
import { accounts, licenses, outbox } from '../../db/schema.js';

/** An outbox row as JSON carries it: its times as text. */
type NoticeRow = Pick<typeof outbox.$inferSelect, 'kind' | 'offset' | 'cycle' | 'status'> & { dueAt: string; sentAt: string | null };

/**
 * The subject's current-cycle notices as a column of the query that reads the subject, so an
 * answer that shows one costs one round trip to PostgreSQL, not two (issue 13).
 */
export function currentCycleNoticesOf(table: typeof licenses | typeof accounts): SQL<NoticeRow[]> {
  return sql<NoticeRow[]>`coalesce((
    select json_agg(json_build_object('kind', ${outbox.kind}, 'offset', ${outbox.offset}, 'cycle', ${outbox.cycle}, 'status', ${outbox.status}, 'dueAt', ${outbox.dueAt}, 'sentAt', ${outbox.sentAt}) order by ${outbox.dueAt})
    from ${outbox} where ${outbox.subjectId} = ${table.id} and ${outbox.cycle} = ${table.cycle}), '[]'::json)`;
}

export function noticesShown(notices: NoticeRow[]) {
  return notices.map((notice) => ({
    kind: notice.kind,
    // Only an expiring notice has an offset (how long before expiry it goes out).
    ...(notice.offset ? { offset: notice.offset } : {}),
    cycle: notice.cycle,
    status: notice.status,
    dueAt: new Date(notice.dueAt).toISOString(),
    sentAt: notice.sentAt ? new Date(notice.sentAt).toISOString() : null,
  }));
}
