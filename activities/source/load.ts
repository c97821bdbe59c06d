// A source as the sync's activities need it: its row, and its connector built from the
// credentials decrypted here, inside the activity, so they never travel through Temporal.
import { eq } from 'drizzle-orm';
import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '../../db/client.js';
import { sources } from '../../db/schema.js';
import type { CredentialCipher } from '../../platform/source/credentials.js';
import { SYNC_REFUSED } from '../../machines/source/sync.js';
import type { SourceConnection } from '../../machines/source/upstream.js';
import { connectorFor, type Connector } from './connector.js';

export type SourceRow = typeof sources.$inferSelect;

export async function sourceRow(db: Database, sourceId: string): Promise<SourceRow> {
  const [row] = await db.select().from(sources).where(eq(sources.id, sourceId)).limit(1);
  if (!row) throw ApplicationFailure.nonRetryable(`source ${sourceId} no longer exists`, SYNC_REFUSED);
  return row;
}

export function connectorOf(row: SourceRow, cipher: CredentialCipher | undefined): Connector {
  if (!cipher) throw ApplicationFailure.nonRetryable('this worker has no TENURE_CREDENTIALS_KEY to read source credentials with', SYNC_REFUSED);
  return connectorFor({ vendor: row.vendor, baseUrl: row.baseUrl, credentials: cipher.decrypt(row.credentials) } as SourceConnection);
}
