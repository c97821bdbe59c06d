// The notices of a license's or account's current cycle, as reading one subject shows them.
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { outbox } from '../../db/schema.js';

export async function currentCycleNotices(db: Database, subject: { id: string; cycle: number }) {
  const notices = await db
    .select({ kind: outbox.kind, offset: outbox.offset, cycle: outbox.cycle, status: outbox.status, dueAt: outbox.dueAt, sentAt: outbox.sentAt })
    .from(outbox)
    .where(and(eq(outbox.subjectId, subject.id), eq(outbox.cycle, subject.cycle)))
    .orderBy(asc(outbox.dueAt));
  return notices.map((notice) => ({
    kind: notice.kind,
    // Only an expiring notice has an offset (how long before expiry it goes out).
    ...(notice.offset ? { offset: notice.offset } : {}),
    cycle: notice.cycle,
    status: notice.status,
    dueAt: notice.dueAt.toISOString(),
    sentAt: notice.sentAt?.toISOString() ?? null,
  }));
}
