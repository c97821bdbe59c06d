// Database handle shared by activities and the API: drizzle over postgres.js.
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres, { type Sql } from 'postgres';
import * as schema from './schema.js';

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
  return { db: drizzle(client, { schema }), close: () => client.end({ timeout: 5 }) };
}
