// One HTTP attempt at a subscriber's endpoint, and what its answer means for the delivery:
// delivered, retry later (the endpoint is down or overloaded), gone (410: stop sending),
// or rejected (any other 4xx or a redirect: no retry will change the answer).
const ATTEMPT_TIMEOUT_MS = 10_000;
/** Enough of an answer's body to tell the subscriber why in the delivery log, not more. */
const KEPT_ANSWER_BYTES = 300;

export type AttemptVerdict = 'delivered' | 'retry' | 'gone' | 'rejected';

export interface AttemptResult {
  verdict: AttemptVerdict;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

export async function postDelivery(url: string, body: string, headers: Record<string, string>): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Tenure-Webhooks/1', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
  } catch (error) {
    return { verdict: 'retry', statusCode: null, durationMs: elapsed(), error: describeNetworkError(error) };
  }
  const answer = await answerExcerpt(response);
  const statusCode = response.status;
  const verdict = verdictOf(statusCode);
  const error = verdict === 'delivered' ? null : `HTTP ${statusCode}${answer ? `: ${answer}` : ''}`;
  return { verdict, statusCode, durationMs: elapsed(), error };
}

function verdictOf(status: number): AttemptVerdict {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 410) return 'gone';
  // A timeout or rate limit is the endpoint asking us to come back later, like a 5xx.
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'rejected';
}

/** Reads at most KEPT_ANSWER_BYTES of the answer, so an endpoint answering gigabytes costs nothing. */
async function answerExcerpt(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < KEPT_ANSWER_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut short still leaves the status code, which is what decides the delivery.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8', 0, Math.min(size, KEPT_ANSWER_BYTES)).trim();
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
