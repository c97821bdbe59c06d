// Idempotency-Key on POSTs: a caller that retries after a timeout or a lost connection, with the
// same key and body, gets the first answer again instead of a second license, partner or key.
// Keys belong to the partner (any of its API keys may retry) and are kept 24 hours. The key is
// claimed in the database before the route runs, so two concurrent duplicates never both execute.
// A 503 is not kept: it asks the caller to come back, and the retry with the same key runs again.
import { createHash } from 'node:crypto';
import type { Context, Next } from 'koa';
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { idempotencyKeys } from '../db/schema.js';
import { callerOf } from './auth.js';
import { Problem, asProblem, invalidInput } from './problem.js';

const HEADER = 'Idempotency-Key';
/** Printable ASCII without spaces, as UUIDs and the usual client-generated keys are. */
const WELL_FORMED_KEY = /^[\x21-\x7e]{1,255}$/;
const KEPT_FOR = sql`interval '24 hours'`;
/** Longer than any request takes: a claim this old that never completed belonged to a process that died mid-request. */
const ABANDONED_AFTER = sql`interval '5 minutes'`;
/** What a replay repeats besides status and body. */
const REPLAYED_HEADERS = ['content-type', 'location'] as const;
/**
 * 503 Service Unavailable says the request could not be carried out now and is to be sent again,
 * after its Retry-After when there is one. Kept, it would be replayed for 24 hours: the retry it
 * invites could never succeed under its key, and the replay could not say when to come back.
 * The routes answer 503 with nothing done that running again would wrongly repeat (nothing saved;
 * send now's push recorded as failed, and a quantity pushed again is the same quantity).
 */
const ASKS_TO_COME_BACK = 503;

export function idempotentPosts(db: Database) {
  return async (ctx: Context, next: Next) => {
    // Present but empty is a key that breaks the documented pattern, not an absent one.
    if (ctx.method !== 'POST' || ctx.headers[HEADER.toLowerCase()] === undefined) return next();
    const key = ctx.get(HEADER);
    if (!WELL_FORMED_KEY.test(key)) {
      throw invalidInput([{ field: HEADER, message: 'must be 1 to 255 printable ASCII characters without spaces' }]);
    }
    const { partnerId } = callerOf(ctx);
    const requestHash = fingerprint(ctx);
    if (!(await claim(db, partnerId, key, requestHash))) return replayFirstAnswer(ctx, db, partnerId, key, requestHash);

    const thisKey = and(eq(idempotencyKeys.partnerId, partnerId), eq(idempotencyKeys.key, key));
    // The answer stands even if keeping or releasing the key failed; a retry then waits out the claim instead.
    const logFailure = (what: string) => (error: unknown) => ctx.state.log?.error({ err: error, idempotencyKey: key }, `could not ${what} of an idempotent request`);
    const release = () => db.delete(idempotencyKeys).where(thisKey).catch(logFailure('release the key'));
    const record = (status: number, headers: Record<string, string>, body: unknown) =>
      status === ASKS_TO_COME_BACK
        ? release()
        : db
            .update(idempotencyKeys)
            .set({ status, headers, body: body ?? null, completedAt: sql`now()` })
            .where(thisKey)
            .catch(logFailure('keep the answer'));
    try {
      await next();
    } catch (error) {
      // Failures are kept too: a 500 may come after the effect, and executing again could repeat it.
      const problem = asProblem(error);
      await record(problem.status, { 'content-type': 'application/problem+json' }, problem.body(ctx.path, ctx.state.requestId));
      throw error;
    }
    if (!isJson(ctx.body)) {
      await release();
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) if (ctx.response.get(name)) headers[name] = ctx.response.get(name);
    await record(ctx.status, headers, ctx.body);
  };
}

/**
 * Inserts the key as in progress, or takes over a row that expired or was abandoned. Concurrent
 * claims of one key serialise on its primary key, and only one of them gets the row back.
 */
async function claim(db: Database, partnerId: string, key: string, requestHash: string): Promise<boolean> {
  const claimed = await db
    .insert(idempotencyKeys)
    .values({ partnerId, key, requestHash })
    .onConflictDoUpdate({
      target: [idempotencyKeys.partnerId, idempotencyKeys.key],
      set: { requestHash, status: null, headers: null, body: null, createdAt: sql`now()`, completedAt: null },
      setWhere: or(
        lt(idempotencyKeys.createdAt, sql`now() - ${KEPT_FOR}`),
        and(isNull(idempotencyKeys.completedAt), lt(idempotencyKeys.createdAt, sql`now() - ${ABANDONED_AFTER}`)),
      ),
    })
    .returning({ key: idempotencyKeys.key });
  return claimed.length > 0;
}

async function replayFirstAnswer(ctx: Context, db: Database, partnerId: string, key: string, requestHash: string): Promise<void> {
  const [first] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.partnerId, partnerId), eq(idempotencyKeys.key, key)))
    .limit(1);
  if (first && first.requestHash !== requestHash) {
    throw invalidInput([{ field: HEADER, message: 'was already used with another request; send a new key for a new request' }]);
  }
  if (!first?.completedAt || first.status === null) {
    ctx.set('Retry-After', '1');
    throw new Problem(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still running', 'Retry shortly to get its answer.', {
      field: HEADER,
    });
  }
  for (const [name, value] of Object.entries(first.headers ?? {})) ctx.set(name, value);
  ctx.set('Idempotent-Replayed', 'true');
  ctx.status = first.status;
  ctx.body = first.body;
}

/** Method, path and body, with object keys sorted so that key order and spacing do not matter. */
function fingerprint(ctx: Context): string {
  const canonical = JSON.stringify(ctx.request.body ?? null, (_, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
  return createHash('sha256').update(`${ctx.method} ${ctx.path}?${ctx.querystring}\n${canonical}`).digest('hex');
}

/** Only JSON answers can be kept and replayed; a streamed answer is simply not remembered. */
function isJson(body: unknown): boolean {
  if (body === null || body === undefined) return true;
  if (Buffer.isBuffer(body) || typeof (body as { pipe?: unknown }).pipe === 'function') return false;
  return ['object', 'string', 'number', 'boolean'].includes(typeof body);
}
