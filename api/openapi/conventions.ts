// What every keyed route does because of the middleware in api/app.ts, so that a route's
// description need not repeat it: the key is checked (401), viewers only read (403 on any
// change, R31), a POST accepts Idempotency-Key (422 when reused with another body, 409 while
// the first is running), an id that is not the caller's is not found (404, R1), and a body
// that is not JSON, over 1 MB or too deep is refused (400, 415, 413, 422: api/request-body.ts),
// and while the database or Temporal does not answer, 503 (db/unavailable.ts, api/problem.ts).
import type { OpenApiHeader, OpenApiParameter } from './document.js';
import { sharedProblems } from './problems.js';
import type { DocumentedOperation } from './route.js';

export interface Conventions {
  /** The least role that may call it, if not every key may. */
  role?: DocumentedOperation['role'];
  /** Problems answered the same way everywhere (components/responses). */
  sharedProblems: number[];
  /** Problems particular to this route, by status, descriptions merged. */
  problems: Record<number, string>;
  headers: OpenApiParameter[];
  /** Headers a success may carry, by name. */
  answerHeaders: Record<string, OpenApiHeader>;
}

const idempotencyKey: OpenApiParameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe: the same key and body within 24 hours answer the first answer again, with `Idempotent-Replayed: true`. The same key with another body answers 422. A 503 is not kept: the retry its `Retry-After` invites runs again under the same key.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
};

const idempotentReplayed: OpenApiHeader = {
  description: '`true` when this is the first answer to an earlier request with the same Idempotency-Key, given again: the request did not run a second time. Absent otherwise.',
  schema: { type: 'string', enum: ['true'] },
};

const IDEMPOTENCY_IN_PROGRESS = 'A request with the same Idempotency-Key is still running: retry after `Retry-After` seconds';

export function conventionsOf(route: DocumentedOperation, hasPathParameters: boolean): Conventions {
  const keyed = !route.public;
  const changes = route.method !== 'get';
  const idempotent = keyed && route.method === 'post';
  const role = route.role ?? (keyed && changes ? 'operator' : undefined);
  const problems = { ...route.problems };
  if (idempotent) problems[409] = problems[409] ? `${problems[409]}; or: ${IDEMPOTENCY_IN_PROGRESS}` : IDEMPOTENCY_IN_PROGRESS;
  // Every POST, PUT and PATCH has its body read (api/request-body.ts), whether the route wants one or not.
  const readsBody = keyed && changes && route.method !== 'delete';
  const shared = [
    readsBody ? 400 : undefined,
    keyed ? 401 : undefined,
    role ? 403 : undefined,
    hasPathParameters ? 404 : undefined,
    readsBody ? 413 : undefined,
    readsBody ? 415 : undefined,
    route.body || route.query || route.params || readsBody ? 422 : undefined,
    // Every keyed route reads the database (its key at least): while it does not answer, 503 within seconds.
    keyed ? 503 : undefined,
  ].filter((status) => status !== undefined);
  // A route's own reason for a shared status (a 403 for a programme, say) is told beside the usual one.
  for (const status of shared) if (problems[status]) problems[status] = `${sharedProblems[status]!.description}; or: ${problems[status]}`;
  return {
    ...(role ? { role } : {}),
    sharedProblems: shared.filter((status) => !problems[status]),
    problems,
    headers: idempotent ? [idempotencyKey] : [],
    answerHeaders: idempotent ? { 'Idempotent-Replayed': idempotentReplayed } : {},
  };
}
