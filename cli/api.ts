// The CLI's HTTP client: every command talks to a Tenure API (`--url`, `--key`), so it works
// against any deployment. A problem+json answer becomes one readable line and exit code 1.
import { setTimeout as sleep } from 'node:timers/promises';
import { retryAfterMs } from '../platform/network/retry-after.js';

/**
 * How long in all a request waits when the API asks it to come back (Retry-After): while the API
 * still runs an earlier request with its Idempotency-Key (409 idempotency_in_progress), and while
 * the database or Temporal does not answer (503) if asking again cannot repeat an effect (a GET,
 * or a POST with its Idempotency-Key). A run interrupted a moment ago leaves its requests running
 * on the server, and they end in seconds: a rerun gets their answers; a restart of PostgreSQL or
 * Temporal takes seconds too. A key whose request died with its server stays claimed for minutes,
 * and an outage may last: that row is reported failed with the API's reason rather than holding
 * up the import.
 */
const PATIENCE_MS = 30_000;

export interface Connection {
  url: string;
  key: string | undefined;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { title?: string; detail?: string; field?: string; code?: string },
  ) {
    const field = problem.field ? ` (${problem.field})` : '';
    super(`${status} ${problem.title ?? 'request failed'}${field}${problem.detail ? `: ${problem.detail}` : ''}`);
  }
}

export interface RequestOptions {
  body?: unknown;
  idempotencyKey?: string;
}

/**
 * An answer and whether the API gave it before: a POST whose Idempotency-Key was already answered
 * gets that first answer again, marked `Idempotent-Replayed: true`, and nothing is done this time.
 */
export interface Exchange<Answer> {
  answer: Answer;
  replayed: boolean;
}

export function apiClient(connection: Connection) {
  const base = connection.url.replace(/\/+$/, '');
  async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
    try {
      return await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${connection.key}`,
          accept: 'application/json',
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch (error) {
      throw new Error(`cannot reach Tenure at ${base} (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}); pass --url or set TENURE_URL`);
    }
  }
  async function exchange<Answer = any>(method: string, path: string, options: RequestOptions = {}): Promise<Exchange<Answer>> {
    if (!connection.key) throw new Error('no API key: pass --key or set TENURE_API_KEY');
    const patienceEndsAt = Date.now() + PATIENCE_MS;
    const safeToRepeat = method === 'GET' || options.idempotencyKey !== undefined;
    for (;;) {
      const response = await send(method, path, options);
      const answer = await bodyOf(response);
      if (response.ok) return { answer: answer as Answer, replayed: response.headers.get('idempotent-replayed') === 'true' };
      const comeBack = answer?.code === 'idempotency_in_progress' || (response.status === 503 && safeToRepeat);
      const wait = comeBack ? retryAfterMs(response.headers.get('retry-after')) : null;
      if (wait === null || Date.now() + wait > patienceEndsAt) throw new ApiError(response.status, answer ?? { title: response.statusText || undefined });
      await sleep(wait);
    }
  }
  async function request<Answer = any>(method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
    return (await exchange<Answer>(method, path, options)).answer;
  }
  return Object.assign(request, { exchange });
}

/** The answer's JSON; undefined for an empty body or one that is not JSON (a proxy's error page, say). */
async function bodyOf(response: Response): Promise<any> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    if (response.ok) throw new Error(`Tenure answered ${response.status} with a body that is not JSON: is --url the API's address?`);
    return undefined;
  }
}

export type Request = ReturnType<typeof apiClient>;

/** Every page of a list that pages with `after`/`next`. */
export async function* everyPage<Item>(request: Request, path: string): AsyncIterable<Item> {
  let after: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page: { data: Item[]; next: string | null } = await request('GET', `${path}${separator}limit=100${after ? `&after=${after}` : ''}`);
    yield* page.data;
    after = page.next;
  } while (after);
}
