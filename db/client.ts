// Database handle shared by activities and the API: drizzle over postgres.js.
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres, { type Sql } from 'postgres';
import * as schema from './schema.js';
import { withQueryDeadline } from './unavailable.js';

/** How long PostgreSQL may take before a caller is told it is unavailable, and how a process's statements are planned. */
export interface QueryDeadlines {
  queryMs: number;
  transactionMs: number;
  /**
   * Plan every run of a prepared statement for its own values (`plan_cache_mode=force_custom_plan`)
   * instead of letting PostgreSQL settle on a generic plan after five runs.
   */
  planEachRun: boolean;
}

/**
 * The API's: short enough that no request hangs on a hung server (503 instead), longer than any
 * query a request makes. Its queries filter by what each caller asks, over partners from ten
 * licenses to 100,000: a generic plan made for the small ones did not finish the usage CSV of
 * the largest in two minutes (it takes seconds), so each run is planned for its values.
 */
export const REQUEST_DEADLINES: QueryDeadlines = { queryMs: 5_000, transactionMs: 20_000, planEachRun: true };

/**
 * Activities' (retried by Temporal when they pass): a sync reconciles thousands of rows in one
 * transaction. Theirs are the same few statements by key, run thousands of times in a mass
 * expiry: planning each run again nearly doubled PostgreSQL's CPU per expiry (issue 13).
 */
export const BACKGROUND_DEADLINES: QueryDeadlines = { queryMs: 60_000, transactionMs: 600_000, planEachRun: false };

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
  const deadlines = options.deadlines ?? REQUEST_DEADLINES;
  const connection = deadlines.planEachRun ? { plan_cache_mode: 'force_custom_plan' } : {};
  const client = postgres(url, { max: options.max ?? 10, onnotice: () => {}, connect_timeout: 5, backoff: reconnectBackoff, connection });
  return { db: drizzle(withQueryDeadline(preparingStatements(client), deadlines), { schema }), close: () => client.end({ timeout: 5 }) };
}

/** More parameters than this is a list sized by the data (an `in (…)`, a batch insert), not a statement the code writes. */
const MOST_PARAMETERS_PREPARED = 128;

/**
 * drizzle sends every statement it was not asked to name unprepared, and postgres.js has the
 * server describe an unprepared statement with parameters before it runs it: two round trips
 * and a parse per query. Prepared, a statement is parsed once per connection, and each run is
 * one round trip (issue 13: a mass expiry's writes spent an eighth of the worker's main thread
 * in those extra socket writes). postgres.js keeps a connection's statements until it is
 * recycled, so statements whose text grows with the data stay unprepared.
 */
function preparingStatements(client: Sql): Sql {
  return new Proxy(client, {
    get(target, property) {
      if (property === 'unsafe') {
        return (query: string, parameters: Parameters<Sql['unsafe']>[1] = [], options: Parameters<Sql['unsafe']>[2] = {}) =>
          target.unsafe(query, parameters, parameters.length > 0 && parameters.length <= MOST_PARAMETERS_PREPARED ? { ...options, prepare: true } : options);
      }
      if (property === 'begin' || property === 'savepoint') {
        const start = Reflect.get(target, property, target) as (...args: unknown[]) => Promise<unknown>;
        return (...args: unknown[]) => {
          const body = args.pop() as (tx: Sql) => unknown;
          return start.call(target, ...args, (tx: Sql) => body(preparingStatements(tx)));
        };
      }
      return Reflect.get(target, property, target);
    },
  });
}
