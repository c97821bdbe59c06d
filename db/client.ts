// Database handle shared by activities and the API: drizzle over postgres.js.
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres, { type Sql } from 'postgres';
import * as schema from './schema.js';
import { withQueryDeadline } from './unavailable.js';

/** How long PostgreSQL may take before a caller is told it is unavailable. */
export interface QueryDeadlines {
  queryMs: number;
  transactionMs: number;
}

/** The API's: short enough that no request hangs on a hung server (503 instead), longer than any query a request makes. */
export const REQUEST_DEADLINES: QueryDeadlines = { queryMs: 5_000, transactionMs: 20_000 };

/** Activities' (retried by Temporal when they pass): a sync reconciles thousands of rows in one transaction. */
export const BACKGROUND_DEADLINES: QueryDeadlines = { queryMs: 60_000, transactionMs: 600_000 };

/** `$client` is postgres.js itself, for what drizzle does not offer: cursors that stream large reads. */
export type Database = PostgresJsDatabase<typeof schema> & { $client: Sql };
/** The handle inside `db.transaction(async (tx) => …)`, for helpers that write as part of a larger change. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

export interface DatabaseHandle {
  db: Database;
  close(): Promise<void>;
}

/**
 * Seconds before reconnecting after a failed attempt. postgres.js's own grows to 20 s over an
 * outage, so a database back after 30 s stayed unused for up to 20 s more; a 1 s cap costs one
 * refused connection a second while the server is down.
 */
const reconnectBackoff = (retries: number) => Math.min(0.05 * 2 ** retries, 1);

export function openDatabase(url: string, options: { max?: number; deadlines?: QueryDeadlines } = {}): DatabaseHandle {
  const client = postgres(url, { max: options.max ?? 10, onnotice: () => {}, connect_timeout: 5, backoff: reconnectBackoff });
  return { db: drizzle(withQueryDeadline(client, options.deadlines ?? REQUEST_DEADLINES), { schema }), close: () => client.end({ timeout: 5 }) };
}
