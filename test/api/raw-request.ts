// One HTTP request exactly as given, with a deadline: any method (fetch refuses TRACE and
// unknown verbs), any header value, any body bytes. What the fuzzing tests send with.
import { request, type IncomingHttpHeaders } from 'node:http';

export interface RawRequest {
  method: string;
  /** Path and query, already encoded as they should go on the wire. */
  target: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type RawOutcome =
  | { kind: 'answered'; status: number; headers: IncomingHttpHeaders; text: string; ms: number }
  /** No answer before the deadline: for a caller, the same as a server that hangs. */
  | { kind: 'hung'; ms: number }
  | { kind: 'refused'; error: string; ms: number };

export const REQUEST_DEADLINE_MS = 10_000;

export function sendRaw(baseUrl: string, raw: RawRequest, deadlineMs = REQUEST_DEADLINE_MS): Promise<RawOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((settle) => {
    // The deadline covers the whole answer: a body that stops streaming half-way is a hang too.
    const deadline = setTimeout(() => {
      outgoing.destroy();
      settle({ kind: 'hung', ms: elapsed() });
    }, deadlineMs);
    const done = (outcome: RawOutcome) => {
      clearTimeout(deadline);
      settle(outcome);
    };
    // A fresh connection each time: a server that closes one after a bad request affects nothing else.
    const outgoing = request(`${baseUrl}${raw.target}`, { method: raw.method, headers: raw.headers, agent: false }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => done({ kind: 'answered', status: incoming.statusCode ?? 0, headers: incoming.headers, text: Buffer.concat(chunks).toString('utf8'), ms: elapsed() }));
      incoming.on('error', (error) => done(outcomeOf(error, elapsed())));
    });
    outgoing.on('error', (error) => done(outcomeOf(error, elapsed())));
    outgoing.end(raw.body);
  });
}

function outcomeOf(error: Error, ms: number): RawOutcome {
  return { kind: 'refused', error: `${error.name}: ${error.message}`, ms };
}
