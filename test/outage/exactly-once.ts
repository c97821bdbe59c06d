// What every outage test asserts once the outage is over (R19): each license expired into
// grace, and each of its transitions and notices happened exactly once, mail included.
import { eq, inArray } from 'drizzle-orm';
import { expect } from 'vitest';
import { auditLog, outbox } from '../../db/schema.js';
import { untilNoticeDeliveriesSettled } from '../notice/deliveries.js';
import type { TestSmtpServer } from '../notice/smtp.js';
import { eventually, type Tenure } from '../support/tenure.js';

export async function expectEachExpiryOnce(tenure: Tenure, smtp: TestSmtpServer, ids: string[]): Promise<void> {
  await eventually(
    () => Promise.all(ids.map(async (id) => (await tenure.api('GET', `/v1/licenses/${id}`)).body.state)),
    (states) => states.every((state) => state === 'grace'),
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  const notices = await eventually(
    () => tenure.db.select().from(outbox).where(inArray(outbox.subjectId, ids)),
    (rows) => rows.length === 2 * ids.length && rows.every((row) => row.status === 'sent'),
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  // Once no delivery is pending in any license's workflow, no attempt is left that could send a duplicate.
  await untilNoticeDeliveriesSettled(tenure.client, ids.map((id) => `license:${id}`));
  for (const id of ids) {
    expect(notices.filter((row) => row.subjectId === id).map((row) => row.kind).sort(), id).toEqual(['expiring', 'grace_started']);
    const actions = (await tenure.db.select().from(auditLog).where(eq(auditLog.subjectId, id)).orderBy(auditLog.id)).map((row) => row.action);
    expect(actions.filter((action) => action.startsWith('license.')), id).toEqual(['license.issued', 'license.expiring', 'license.grace_started']);
  }
  for (const row of notices) expect(smtp.mailsFor(row.key), row.key).toHaveLength(1);
  expect(smtp.received).toHaveLength(2 * ids.length);
}
