// PostgreSQL not answering is an outage to wait out, not a bug (issue 14): a query or a
// transaction past its deadline fails fast with DatabaseUnavailableError, and the API answers
// it, and a lost connection, as 503 problem+json; a real database error stays a 500.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { asProblem } from '../../api/problem.js';
import { openDatabase, type DatabaseHandle } from '../../db/client.js';
import { DatabaseUnavailableError, isDatabaseUnavailable } from '../../db/unavailable.js';

const DEADLINES = { queryMs: 300, transactionMs: 3_000, planEachRun: true };
let database: DatabaseHandle;
/** Usual deadlines, for setting up and dropping the table while an abandoned statement may still hold it. */
let admin: DatabaseHandle;
const table = `deadline_${Date.now()}`;

beforeAll(async () => {
  admin = openDatabase(inject('postgresAdminUrl'), { max: 1 });
  database = openDatabase(inject('postgresAdminUrl'), { deadlines: DEADLINES });
  await admin.db.execute(sql.raw(`create table ${table} (id int primary key)`));
});
afterAll(async () => {
  await database?.close();
  await admin?.db.execute(sql.raw(`drop table if exists ${table}`));
  await admin?.close();
});

async function failureOf(work: () => Promise<unknown>) {
  const started = Date.now();
  const error = await work().then(() => undefined, (failure: unknown) => failure);
  return { error, ms: Date.now() - started };
}

describe('query deadlines', () => {
  it('a query with no answer within its deadline fails with DatabaseUnavailableError, answered as 503', async () => {
    const { error, ms } = await failureOf(() => database.db.execute(sql`select pg_sleep(2)`));
    expect(ms).toBeLessThan(DEADLINES.queryMs + 500);
    expect(isDatabaseUnavailable(error)).toBe(true);
    const problem = asProblem(error);
    expect(problem.status).toBe(503);
    expect(problem.body('/v1/licenses', 'request-id')).toMatchObject({ status: 503, code: 'unavailable', title: 'The database is not answering' });
  });

  it('a transaction whose statement hangs fails at the statement deadline, not the transaction one, and writes nothing', async () => {
    const { error, ms } = await failureOf(() =>
      database.db.transaction(async (tx) => {
        await tx.execute(sql.raw(`insert into ${table} (id) values (1)`));
        await tx.execute(sql`select pg_sleep(2)`);
      }),
    );
    expect(ms).toBeLessThan(DEADLINES.transactionMs);
    expect(asProblem(error).status).toBe(503);
    // The same row written again waits for the abandoned transaction to end: it is rolled back
    // once its statement answers (a commit would make this a unique violation, a transaction
    // left open would make it time out).
    await admin.db.execute(sql.raw(`insert into ${table} (id) values (1)`));
    expect(await admin.db.execute(sql.raw(`select id from ${table}`))).toEqual([{ id: 1 }]);
  });

  it('a query that answers within its deadline is untouched', async () => {
    const rows = await database.db.execute(sql`select 1 as one`);
    expect(rows[0]).toEqual({ one: 1 });
  });
});

describe('what the API answers 503 for', () => {
  const wrapped = (cause: unknown) => Object.assign(new Error('Failed query: select 1'), { cause });

  it.each([
    ['our deadline', new DatabaseUnavailableError('a query got no answer within 5 s')],
    ['a refused connection, wrapped by drizzle', wrapped(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))],
    ['a connection that timed out', wrapped(Object.assign(new Error('write CONNECT_TIMEOUT'), { code: 'CONNECT_TIMEOUT' }))],
    ['a server shutting down (57P01)', wrapped(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))],
    ['a server starting up (57P03)', wrapped(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))],
  ])('503 for %s', (_name, error) => {
    const problem = asProblem(error);
    expect(problem.status).toBe(503);
    expect(problem.code).toBe('unavailable');
  });

  it('a database error that retrying cannot fix stays a 500: a unique violation is no outage', () => {
    expect(asProblem(wrapped(Object.assign(new Error('duplicate key value'), { code: '23505' }))).status).toBe(500);
    expect(asProblem(new Error('something else')).status).toBe(500);
  });
});
