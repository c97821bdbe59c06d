// One HTTP attempt at a subscriber's endpoint, and what its answer means for the delivery:
// delivered, retry later (the endpoint is down or overloaded), gone (410: stop sending),
// or rejected (any other 4xx, a redirect, or a target on Tenure's own network: no retry will
// change the answer). The target is checked after DNS and the connection pinned to the
// address checked (platform/network), so a subscriber cannot aim signed POSTs at the
// database, a cloud metadata service or anything else inside (SSRF).
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { resolveSafeTarget, type Resolver, type SafeTarget, type TargetPolicy } from '../../platform/network/address-guard.js';
import { pinnedLookup } from '../../platform/network/pinned-lookup.js';

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

export interface DeliveryTargets {
  policy: TargetPolicy;
  /** The system resolver unless a test stands in for DNS. */
  resolve?: Resolver;
}

type Answer = { statusCode: number; excerpt: string } | { networkError: string };

export async function postDelivery(url: string, body: string, headers: Record<string, string>, targets: DeliveryTargets): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const target = await resolveSafeTarget(url, targets.policy, targets.resolve);
  if (!target.ok) {
    // A name that does not resolve may come back (a DNS outage); a forbidden address will not.
    const verdict = target.code === 'unresolvable' ? 'retry' : 'rejected';
    return { verdict, statusCode: null, durationMs: elapsed(), error: `not sent: the URL ${target.reason}` };
  }
  const answer = await send(target, body, { 'content-type': 'application/json', 'user-agent': 'Tenure-Webhooks/1', ...headers });
  if ('networkError' in answer) return { verdict: 'retry', statusCode: null, durationMs: elapsed(), error: answer.networkError };
  const verdict = verdictOf(answer.statusCode);
  const error = verdict === 'delivered' ? null : `HTTP ${answer.statusCode}${answer.excerpt ? `: ${answer.excerpt}` : ''}`;
  return { verdict, statusCode: answer.statusCode, durationMs: elapsed(), error };
}

/** One POST to the vetted address; never follows a redirect (node:http does not), never reuses a pooled socket. */
function send(target: SafeTarget, body: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((done) => {
    const request = (target.url.protocol === 'https:' ? httpsRequest : httpRequest)(target.url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      lookup: pinnedLookup(target),
      agent: false,
    });
    const timer = setTimeout(() => {
      request.destroy();
      done({ networkError: `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s` });
    }, ATTEMPT_TIMEOUT_MS);
    request.once('response', (response) =>
      void excerptOf(response).then((excerpt) => {
        clearTimeout(timer);
        done({ statusCode: response.statusCode ?? 0, excerpt });
      }),
    );
    request.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      done({ networkError: error.code ?? error.message });
    });
    request.end(body);
  });
}

function verdictOf(status: number): AttemptVerdict {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 410) return 'gone';
  // A timeout or rate limit is the endpoint asking us to come back later, like a 5xx.
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'rejected';
}

/** Reads at most KEPT_ANSWER_BYTES of the answer, so an endpoint answering gigabytes costs nothing. */
function excerptOf(response: IncomingMessage): Promise<string> {
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = () => {
      response.destroy();
      done(Buffer.concat(chunks).toString('utf8', 0, Math.min(size, KEPT_ANSWER_BYTES)).trim());
    };
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= KEPT_ANSWER_BYTES) finish();
    });
    response.once('end', finish);
    // A body cut short still leaves the status code, which is what decides the delivery.
    response.once('error', finish);
  });
}
