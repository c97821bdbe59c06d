// Holding a notice's outbox row while its delivery settles: the SMTP server has accepted the
// message, and the worker's update of the row waits on the lock the test holds. What happens to
// that attempt meanwhile (a crash, a timeout) is what the notice tests vary.
import { eq, sql } from 'drizzle-orm';
import { outbox } from '../../db/schema.js';
import type { TenureWithSmtp } from './tenure-with-smtp.js';

/** Backends of this test's database blocked on a row lock while settling a notice in the outbox. */
export const waitingOnOutboxRow = sql`datname = current_database() and wait_event_type = 'Lock' and query ilike '%update "outbox" set%'`;

/** How many attempts wait to settle a notice. */
export async function attemptsWaitingForOutboxRow(tenure: TenureWithSmtp): Promise<number> {
  const [row] = await tenure.db.execute<{ waiting: number }>(sql`select count(*)::int as waiting from pg_stat_activity where ${waitingOnOutboxRow}`);
  return row?.waiting ?? 0;
}

/**
 * The next mail's outbox row is locked by the test before the SMTP server accepts it, so the
 * sender has the acceptance in hand but cannot record it. `held` resolves once the row is locked;
 * `release` ends the test's transaction.
 */
export function holdOutboxRowOfNextMail(tenure: TenureWithSmtp): { held: Promise<void>; release(): void } {
  let release = () => {};
  const held = new Promise<void>((locked) => {
    tenure.smtp.beforeAccepting = async (mail) => {
      tenure.smtp.beforeAccepting = undefined;
      void tenure.db.transaction(async (tx) => {
        await tx.select().from(outbox).where(eq(outbox.key, mail.key)).for('update');
        locked();
        await new Promise<void>((released) => (release = released));
      });
      await held;
    };
  });
  return { held, release: () => release() };
}
