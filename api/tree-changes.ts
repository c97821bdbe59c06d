// Changes that shape a partner's trees (companies, access groups) and choose its one group for
// default pools run one at a time: each checks for a cycle, or un-chooses the other default,
// against what the change before it wrote. Two at once each checked the tree as it stood, and
// together made a cycle (or both chose a default, and one answered 500 on the unique index).
import { eq } from 'drizzle-orm';
import type { Transaction } from '../db/client.js';
import { partners } from '../db/schema.js';

/** Waits, inside `tx`, until no other change of this partner's trees is under way. */
export async function oneTreeChangeAtATime(tx: Transaction, partnerId: string): Promise<void> {
  await tx.select({ id: partners.id }).from(partners).where(eq(partners.id, partnerId)).for('update');
}
