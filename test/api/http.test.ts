import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createApp } from '../../api/app.js';
import { and, eq } from 'drizzle-orm';
import { outbox } from '../../db/schema.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { createCompany, createPolicy, inSeconds, issueLicense } from '../support/setup.js';

const PORTAL = 'https://portal.example.com';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure({ corsOrigins: [PORTAL] });
});
afterAll(() => tenure?.close());

const sample = (metrics: string, name: string, labels: Record<string, string>) => {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(`${name}{`) && Object.entries(labels).every(([key, value]) => candidate.includes(`${key}="${value}"`)));
  return line ? Number(line.split(' ').at(-1)) : undefined;
};

describe('HTTP hygiene: metrics, CORS, request ids, limits', () => {
  it('/metrics is open to Prometheus and counts requests by route template and lifecycle transitions', async () => {
    const companyId = await createCompany(tenure, { name: 'Metered Ltd' }, { key: tenure.adminKey });
    await issueLicense(tenure, { companyId: companyId });
    await tenure.api('GET', `/v1/licenses/${crypto.randomUUID()}`);
    await tenure.api('GET', `/v1/licenses/${crypto.randomUUID()}`);

    const response = await fetch(`${tenure.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const metrics = await response.text();
    expect(sample(metrics, 'tenure_http_request_duration_seconds_count', { method: 'GET', route: '/v1/licenses/:id', status: '404' })).toBe(2);
    expect(sample(metrics, 'tenure_http_request_duration_seconds_count', { method: 'POST', route: '/v1/licenses', status: '201' })).toBe(1);
    expect(sample(metrics, 'tenure_http_request_duration_seconds_bucket', { route: '/v1/licenses', le: '+Inf' })).toBe(1);
    expect(metrics).not.toMatch(/route="\/v1\/licenses\/[0-9a-f]{8}-/);
    expect(sample(metrics, 'tenure_lifecycle_transitions_total', { subject: 'license', action: 'license.issued' })).toBeGreaterThanOrEqual(1);
  });

  it('/metrics counts a notice when the mail server accepts it, by kind', async () => {
    const metrics = async () => (await fetch(`${tenure.url}/metrics`)).text();
    const expiringSent = async () => sample(await metrics(), 'tenure_notices_sent_total', { kind: 'expiring' }) ?? 0;
    const before = await expiringSent();
    const companyId = await createCompany(tenure, { name: 'Noticed Ltd' });
    const policyId = await createPolicy(tenure, { expiryNotices: ['PT20S'] });
    const licenseId = await issueLicense(tenure, { companyId, policyId, expiresAt: inSeconds(21) });
    await eventually(
      () => tenure.db.select().from(outbox).where(and(eq(outbox.subjectId, licenseId), eq(outbox.kind, 'expiring'))),
      ([notice]) => notice?.status === 'sent',
    );
    expect(await expiringSent()).toBe(before + 1);
  });

  it('CORS: a preflight from an origin in CORS_ORIGINS is allowed with the headers the API uses; any other origin is not', async () => {
    const preflight = (origin: string) =>
      fetch(`${tenure.url}/v1/licenses`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, idempotency-key' },
      });
    const allowed = await preflight(PORTAL);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('idempotency-key');

    const refused = await preflight('https://evil.example.net');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    const actual = await tenure.api('GET', '/v1/licenses', undefined, { headers: { origin: PORTAL } });
    expect(actual.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(actual.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
  });

  it('every answer and problem carries a request id, a safe one sent by the caller is kept, and each log line of the request has it', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => { lines.push(JSON.parse(String(chunk))); done(); } });
    const app = createApp({ db: tenure.db, temporal: tenure.client, taskQueue: tenure.taskQueue, logger: pino({ level: 'info' }, sink), readiness: async () => ({}) });
    const server = createServer(app.callback());
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const kept = await fetch(`${url}/v1/licenses/${crypto.randomUUID()}`, { headers: { authorization: `Bearer ${tenure.adminKey}`, 'x-request-id': 'portal-7f3a' } });
      expect(kept.headers.get('x-request-id')).toBe('portal-7f3a');
      expect(await kept.json()).toMatchObject({ status: 404, requestId: 'portal-7f3a' });
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.every((line) => line.requestId === 'portal-7f3a')).toBe(true);

      const replaced = await fetch(`${url}/v1/licenses`, { headers: { 'x-request-id': 'forged id with spaces "quoted"' } });
      const generated = replaced.headers.get('x-request-id');
      expect(generated).toMatch(/^[0-9a-f-]{36}$/);
      expect(await replaced.json()).toMatchObject({ status: 401, requestId: generated });
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });

  it('a body over 1 MB is refused with 413 problem+json before any route runs', async () => {
    const huge = await tenure.api('POST', '/v1/companies', { name: 'Big Ltd', padding: 'x'.repeat(1_100_000) });
    expect(huge).toMatchObject({ status: 413, body: { code: 'body_too_large' } });
    expect(huge.headers.get('content-type')).toContain('application/problem+json');
  });
});
