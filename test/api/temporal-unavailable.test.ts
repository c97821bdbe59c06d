// Temporal not answering is an outage to wait out, not a bug, and no call to it may hang the
// request behind it. A server that accepts connections and never says a word stands for a
// Temporal whose host froze (the bench once waited 18 minutes on such a call, issue 13); a
// closed port for one that is down. The API's client gives every call a deadline
// (runtime/temporal.ts), and the API answers 503 problem+json, having changed nothing.
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiWithTemporalAt as outageApi, type OutageApi } from '../support/outage-api.js';
import { freePort } from '../support/ports.js';
import { createCompany, issueLicense } from '../support/setup.js';
import { startTenure, type Tenure } from '../support/tenure.js';

/** A short call deadline for the test; Tenure's own is TEMPORAL_CALL_DEADLINE_MS. */
const DEADLINE_MS = 2_000;
/** The deadline, then the time to answer after it. */
const ANSWERS_WITHIN_MS = DEADLINE_MS + 3_000;

let tenure: Tenure;
let silent: TcpServer;
const held: Socket[] = [];
const apis: OutageApi[] = [];

beforeAll(async () => {
  tenure = await startTenure();
  silent = createTcpServer((socket) => held.push(socket));
  await new Promise<void>((ready) => silent.listen(0, '127.0.0.1', ready));
});

afterAll(async () => {
  for (const api of apis) await api.close();
  for (const socket of held) socket.destroy();
  await new Promise<void>((done) => silent?.close(() => done()));
  await tenure?.close();
});

/** The API of this Tenure, on its database, with a client of the Temporal at `address`. */
async function apiWithTemporalAt(address: string): Promise<string> {
  const api = await outageApi(tenure, address, DEADLINE_MS);
  apis.push(api);
  return api.url;
}

async function timed(url: string, method: string, path: string, body: unknown) {
  const started = Date.now();
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${tenure.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Record<string, unknown>,
    ms: Date.now() - started,
  };
}

describe.each([
  ['accepts connections and never answers', () => `127.0.0.1:${(silent.address() as { port: number }).port}`],
  ['is down (nothing listens)', async () => `127.0.0.1:${await freePort()}`],
])('a Temporal that %s', (_name, addressOf) => {
  it('issue 13, issue 14: issuing and renewing answer 503 problem+json naming Temporal within the call deadline, and change nothing', async () => {
    const companyId = await createCompany(tenure);
    const licenseId = await issueLicense(tenure, { companyId });
    const before = await tenure.api('GET', `/v1/licenses/${licenseId}`);
    const url = await apiWithTemporalAt(await addressOf());

    const issue = await timed(url, 'POST', '/v1/licenses', { companyId, product: 'endpoint-protection', seats: 5, term: 'annual', duration: 'P1Y' });
    const renew = await timed(url, 'POST', `/v1/licenses/${licenseId}/renew`, { duration: 'P1Y', basis: 'from_expiry' });

    for (const answer of [issue, renew]) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(503);
      expect(answer.type).toContain('application/problem+json');
      expect(answer.body).toMatchObject({ status: 503, code: 'unavailable', title: 'Temporal is not answering' });
      expect(answer.retryAfter, 'a 503 says when to come back (RFC 9110)').toBe('2');
      expect(answer.ms).toBeLessThan(ANSWERS_WITHIN_MS);
    }
    // Nothing half done: no second license of the company, the renewed one as it was.
    const listed = await tenure.api('GET', `/v1/licenses?companyId=${companyId}`);
    expect(listed.body.data.map((license: { id: string }) => license.id)).toEqual([licenseId]);
    expect((await tenure.api('GET', `/v1/licenses/${licenseId}`)).body).toEqual(before.body);
  });
});
