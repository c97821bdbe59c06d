// What a source shows of its upstream: `ok` after a complete sync, `upstream_unavailable` with
// the reason while the upstream refuses (maintenance, 5xx, auth errors that may be maintenance).
import { and, eq, or, isNull, ne, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { sources } from '../../db/schema.js';
import type { SourceUnavailableReason } from '../../machines/source/sync.js';
import { upstreamFailureTypes } from '../../machines/source/upstream.js';
import { UpstreamUnavailable } from './connector.js';

/** The reason an upstream failure is shown with, or null for an error that is not the upstream's. */
export function unavailableReason(error: unknown): SourceUnavailableReason | null {
  if (error instanceof UpstreamUnavailable) return error.reason;
  if (!(error instanceof Error)) return null;
  if (error.name === upstreamFailureTypes.authFailed) return 'auth_failed';
  if (error.name === upstreamFailureTypes.noCompanies) return 'no_companies';
  return null;
}

/** Marks the source unavailable; written only when the reason or detail changes, so retries write nothing new. */
export async function markUnavailable(db: Database, sourceId: string, reason: SourceUnavailableReason, detail: string): Promise<void> {
  await db
    .update(sources)
    .set({ status: 'upstream_unavailable', statusReason: reason, statusDetail: detail, statusChangedAt: new Date(), updatedAt: new Date() })
    .where(
      and(
        eq(sources.id, sourceId),
        or(ne(sources.status, 'upstream_unavailable'), isNull(sources.statusReason), ne(sources.statusReason, reason), sql`${sources.statusDetail} is distinct from ${detail}`),
      ),
    );
}
