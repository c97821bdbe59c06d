// Audit entries for what callers change through the API (keys, partners, access groups), written
// in the same transaction as the change. Lifecycle transitions are audited by their workflows.
import { randomUUID } from 'node:crypto';
import type { Database, Transaction } from '../../db/client.js';
import { auditLog } from '../../db/schema.js';

export interface AuditEntry {
  partnerId: string;
  subjectType: string;
  subjectId: string;
  action: string;
  actor: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

export async function audit(tx: Transaction | Database, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    ...entry,
    before: entry.before ?? null,
    after: entry.after ?? null,
    at: new Date(),
    // A request writes its entry once (Idempotency-Key covers retries), so any unique key will do.
    dedupeKey: `api:${randomUUID()}`,
  });
}
