// Retention of what is kept only for a while: Idempotency-Key answers are replayed for 24 hours
// (api/idempotency.ts), then deleted so the table does not grow with every POST ever made.
import { lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { idempotencyKeys } from '../../db/schema.js';

/** The replay window of api/idempotency.ts; a row older than this is never read again. */
const IDEMPOTENCY_KEPT_FOR = sql`interval '24 hours'`;

export function createMaintenanceActivities(db: Database) {
  return {
    /** Deletes expired Idempotency-Key rows; answers how many, for the workflow's result. */
    async purgeIdempotencyKeys(): Promise<number> {
      const purged = await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, sql`now() - ${IDEMPOTENCY_KEPT_FOR}`)).returning({ key: idempotencyKeys.key });
      return purged.length;
    },
  };
}

export type MaintenanceActivities = ReturnType<typeof createMaintenanceActivities>;
