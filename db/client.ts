// Database handle shared by activities and the API: drizzle over postgres.js.
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres, { type Sql } from 'postgres';
import * as schema from './schema.js';
import { withQueryDeadline } from './unavailable.js';

/**
 * How long PostgreSQL may take before a caller is told it is unavailable (API: 503; activities:
 * retried): longer than any query Tenure makes, short enough that no request hangs on a hung server.
 */
const DEADLINES = { queryMs: 5_000, transactionMs: 20_000 };

/** `$client` is postgres.js itself, for what drizzle does not offer: cursors that stream large reads. */
export type Database = PostgresJsDatabase<typeof schema> & { $client: Sql };
/** The handle inside `db.transaction(async (tx) => …)`, for helpers that write as part of a larger change. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

export interface DatabaseHandle {
  db: Database;
  close(): Promise<void>;
}

export function openDatabase(url: string, options: { max?: number } = {}): DatabaseHandle {
  const client = postgres(url, { max: options.max ?? 10, onnotice: () => {}, connect_timeout: 5 });
  return { db: drizzle(withQueryDeadline(client, DEADLINES), { schema }), close: () => client.end({ timeout: 5 }) };
}
