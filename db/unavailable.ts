// PostgreSQL not answering, as one error the API turns into 503 and activities retry: a query
// past its deadline (the server hung, or every connection is stuck behind one that is), or
// no connection at all (the server is down or restarting).
import type { PendingQuery, Row, Sql } from 'postgres';

export class DatabaseUnavailableError extends Error {
  constructor(detail: string) {
    super(`PostgreSQL is unavailable: ${detail}`);
    this.name = 'DatabaseUnavailableError';
  }
}

/** postgres.js's codes for a server that cannot be reached or went away mid-query. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', '57P01', '57P03']);

/** True for our deadline and for a lost connection, however deep drizzle wrapped it. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && depth < 5; cause = (cause as { cause?: unknown }).cause, depth++) {
    if (cause instanceof DatabaseUnavailableError) return true;
    if (CONNECTION_CODES.has(String((cause as { code?: unknown }).code))) return true;
  }
  return false;
}

/**
 * postgres.js has no client-side query timeout, and a server-side statement_timeout cannot
 * fire in a server that is stopped. So every query (and transaction) is raced against a
 * deadline here; one that loses is left to finish or fail on its connection, and a
 * transaction whose statement lost is rolled back by postgres.js when the server answers again.
 * Cursors are not raced: a streamed export may legitimately take long.
 */
export function withQueryDeadline(sql: Sql, deadlines: { queryMs: number; transactionMs: number }): Sql {
  const race = <T>(work: PromiseLike<T>, what: string, deadlineMs: number): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new DatabaseUnavailableError(`${what} got no answer within ${deadlineMs / 1000} s`)), deadlineMs);
    });
    return Promise.race([Promise.resolve(work), late]).finally(() => clearTimeout(timer));
  };
  const query = (pending: PendingQuery<Row[]>) => race(pending, 'a query', deadlines.queryMs);
  const deadlined = (pending: PendingQuery<Row[]>): PendingQuery<Row[]> =>
    new Proxy(pending, {
      get(target, property) {
        if (property === 'then') return (onFulfilled?: (value: Row[]) => unknown, onRejected?: (error: unknown) => unknown) => query(target).then(onFulfilled, onRejected);
        if (property === 'catch') return (onRejected?: (error: unknown) => unknown) => query(target).catch(onRejected);
        if (property === 'finally') return (onFinally?: () => void) => query(target).finally(onFinally);
        const value = Reflect.get(target, property, target) as unknown;
        // `.values()` and `.raw()` return the same pending query in another shape: still raced.
        if (property === 'values' || property === 'raw') return (...args: unknown[]) => deadlined((value as (...a: unknown[]) => PendingQuery<Row[]>).apply(target, args));
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  const transactional = (method: 'begin' | 'savepoint', target: Sql) => (...args: unknown[]) => {
    const body = args.pop() as (tx: Sql) => unknown;
    // A statement that lost its race fails the caller now, not after a ROLLBACK the hung server cannot answer.
    let abandon: (error: unknown) => void = () => {};
    const abandoned = new Promise<never>((_, fail) => (abandon = fail));
    const start = (target as unknown as Record<typeof method, (...a: unknown[]) => Promise<unknown>>)[method];
    const run = start(...args, async (tx: Sql) => {
      try {
        return await body(withQueryDeadline(tx, deadlines));
      } catch (error) {
        if (error instanceof DatabaseUnavailableError || isDatabaseUnavailable(error)) abandon(error);
        throw error;
      }
    });
    return race(Promise.race([run, abandoned]), 'a transaction', deadlines.transactionMs);
  };
  return new Proxy(sql, {
    get(target, property) {
      if (property === 'unsafe') return (...args: Parameters<Sql['unsafe']>) => deadlined(target.unsafe(...args));
      if (property === 'begin' || property === 'savepoint') return transactional(property, target);
      return Reflect.get(target, property, target);
    },
  });
}
