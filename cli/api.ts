// The CLI's HTTP client: every command talks to a Tenure API (`--url`, `--key`), so it works
// against any deployment. A problem+json answer becomes one readable line and exit code 1.
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
  async function exchange<Answer = any>(method: string, path: string, options: RequestOptions = {}): Promise<Exchange<Answer>> {
    if (!connection.key) throw new Error('no API key: pass --key or set TENURE_API_KEY');
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
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
    const text = await response.text();
    const answer = text ? JSON.parse(text) : undefined;
    if (!response.ok) throw new ApiError(response.status, answer ?? {});
    return { answer: answer as Answer, replayed: response.headers.get('idempotent-replayed') === 'true' };
  }
  async function request<Answer = any>(method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
    return (await exchange<Answer>(method, path, options)).answer;
  }
  return Object.assign(request, { exchange });
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
