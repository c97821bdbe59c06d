// What a request body may be: JSON (415 otherwise), at most 1 MB (413), nested at most 32
// levels (422), read only for methods that carry one. Checked before any route, the idempotency
// fingerprint or a log line walks it: JSON.stringify overflowed the stack on 10,000 levels.
import type { Context, Middleware, Next } from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { Problem, invalidInput } from './problem.js';

export const BODY_LIMIT = '1mb';
export const MAX_BODY_DEPTH = 32;
const METHODS_WITH_BODIES = ['POST', 'PUT', 'PATCH'];

/** In this order, each with `app.use`. */
export function jsonBodies(): Middleware[] {
  return [onlyJson, decoded(bodyParser({ enableTypes: ['json'], jsonLimit: BODY_LIMIT, encoding: 'utf-8', parsedMethods: METHODS_WITH_BODIES })), boundedDepth];
}

/**
 * A compressed body (`Content-Encoding: gzip, deflate, br`) is read inflated, within the same limit.
 * One that does not inflate, or an encoding Tenure does not read, is the caller's to fix: the zlib
 * error it raises carries no HTTP status and would otherwise answer 500.
 */
function decoded(parse: Middleware): Middleware {
  return async (ctx, next) => {
    try {
      // The parser's own `next` is a no-op: an error further down is no error of the body's.
      await parse(ctx, async () => {});
    } catch (error) {
      const status = (error as { status?: number }).status;
      const encoding = ctx.get('content-encoding');
      if (status === 415 && encoding) {
        throw new Problem(415, 'unsupported_content_encoding', 'Tenure does not read this Content-Encoding', `${encoding} is none of gzip, deflate, br or identity.`, { field: 'Content-Encoding' });
      }
      if (status === undefined && encoding && encoding.toLowerCase() !== 'identity') {
        throw new Problem(400, 'malformed_body', 'The body does not decompress', `It is not valid ${encoding} data.`, { field: 'Content-Encoding' });
      }
      throw error;
    }
    return next();
  };
}

/** A body of another media type would otherwise be read as no body at all, and its fields silently ignored. */
async function onlyJson(ctx: Context, next: Next): Promise<void> {
  if (METHODS_WITH_BODIES.includes(ctx.method) && ctx.request.length !== 0 && ctx.request.type !== '' && !ctx.request.is('json')) {
    throw new Problem(415, 'unsupported_media_type', 'The body must be JSON', 'Send `Content-Type: application/json`.', { field: 'Content-Type' });
  }
  return next();
}

async function boundedDepth(ctx: Context, next: Next): Promise<void> {
  if (nestsDeeperThan(ctx.request.body, MAX_BODY_DEPTH)) throw invalidInput([{ field: 'body', message: `nests deeper than ${MAX_BODY_DEPTH} levels` }]);
  return next();
}

/** Without recursion, so that measuring a hostile body cannot overflow the stack either. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= limit) return true;
    for (const inner of Object.values(current)) pending.push([inner, depth + 1]);
  }
  return false;
}
