import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditLog } from '../../db/schema.js';
import { freePort } from '../support/ports.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from './webhook-receiver.js';
import { PRODUCT, createCompany, issueLicense } from '../support/setup.js';

let tenure: Tenure;
let receiver: WebhookReceiver;
let companyId: string;
beforeAll(async () => {
  [tenure, receiver] = await Promise.all([startTenure(), startWebhookReceiver()]);
  companyId = await createCompany(tenure);
});
afterAll(async () => {
  await receiver?.close();
  await tenure?.close();
});

async function subscribe(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const answer = await tenure.api('POST', '/v1/webhooks', body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

const deliveriesOf = async (webhookId: string) => (await tenure.api('GET', `/v1/webhooks/${webhookId}/deliveries`)).body.data as any[];

/** What a subscriber does with `Tenure-Signature`, written from the documented scheme rather than from our signer. */
function verifySignature(request: ReceivedRequest, secret: string): { timestamp: number } {
  const header = String(request.headers['tenure-signature']);
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) throw new Error(`malformed signature header: ${header}`);
  const expected = createHmac('sha256', secret).update(`${match[1]}.${request.body}`).digest();
  if (!timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'))) throw new Error('signature does not verify');
  return { timestamp: Number(match[1]) };
}

const forLicense = (licenseId: string) => (request: ReceivedRequest) => JSON.parse(request.body).data.license.id === licenseId;

describe('signed webhooks delivered by Temporal', () => {
  it('an endpoint receives the events it subscribed to, named as in the audit log, signed with its secret', async () => {
    const generated = await subscribe({ url: receiver.url('/signed'), events: ['license.issued', 'license.renewed'] });
    expect(generated.secret).toMatch(/^whsec_/);
    const ownSecret = 'a-secret-the-partner-chose-1234';
    const suspensions = await subscribe({ url: receiver.url('/suspensions'), events: ['license.suspended'], secret: ownSecret });
    const listed = await tenure.api('GET', '/v1/webhooks');
    expect(listed.body.data.find((webhook: { id: string }) => webhook.id === generated.id)).toMatchObject({ status: 'active', events: ['license.issued', 'license.renewed'] });
    expect(JSON.stringify(listed.body)).not.toContain(generated.secret);

    const licenseId = await issueLicense(tenure, { companyId });
    expect((await tenure.api('POST', `/v1/licenses/${licenseId}/renew`, { duration: 'P1Y' })).status).toBe(200);
    expect((await tenure.api('POST', `/v1/licenses/${licenseId}/suspend`)).status).toBe(200);

    const signed = await eventually(async () => receiver.received('/signed').filter(forLicense(licenseId)), (requests) => requests.length >= 2);
    const suspended = await eventually(async () => receiver.received('/suspensions').filter(forLicense(licenseId)), (requests) => requests.length >= 1);
    expect(signed).toHaveLength(2);
    expect(suspended).toHaveLength(1);
    for (const [request, secret] of [...signed.map((request) => [request, generated.secret] as const), [suspended[0]!, ownSecret] as const]) {
      const { timestamp } = verifySignature(request, secret);
      expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(60);
      const event = JSON.parse(request.body);
      expect(Object.keys(event)).toEqual(['id', 'type', 'occurredAt', 'data']);
      expect(request.headers['tenure-event']).toBe(event.type);
      expect(request.headers['content-type']).toBe('application/json');
      expect(event.data.license).toMatchObject({ id: licenseId, companyId, product: PRODUCT, seats: 10 });
    }
    const events = signed.map((request) => JSON.parse(request.body));
    expect(events.map((event) => event.type).sort()).toEqual(['license.issued', 'license.renewed']);
    expect(new Set(events.map((event) => event.id)).size).toBe(2);
    expect(JSON.parse(suspended[0]!.body)).toMatchObject({ type: 'license.suspended', data: { license: { state: 'suspended' }, before: { state: 'active' } } });
    expect(() => verifySignature(suspended[0]!, generated.secret)).toThrow('does not verify');

    // The delivery log is written with the transition: the suspension was never queued for /signed.
    const log = (await deliveriesOf(generated.id)).filter((delivery) => delivery.data.license.id === licenseId);
    expect(log.map((delivery) => delivery.type).sort()).toEqual(['license.issued', 'license.renewed']);
    for (const delivery of log) {
      expect(delivery).toMatchObject({ status: 'delivered', lastStatusCode: 200, lastError: null, attempts: [{ attempt: 1, statusCode: 200, error: null }] });
      expect(delivery.attempts[0].durationMs).toBeGreaterThanOrEqual(0);
    }
    expect((await deliveriesOf(suspensions.id)).filter((delivery) => delivery.data.license.id === licenseId)).toHaveLength(1);
  });

  it('a 500, or an endpoint that does not answer, is retried by Temporal with backoff until it succeeds', async () => {
    receiver.script('/flaky', [500]);
    const flaky = await subscribe({ url: receiver.url('/flaky'), events: ['license.*'] });
    const unreachable = await subscribe({ url: `http://127.0.0.1:${await freePort()}/hooks`, events: ['license.issued'] });
    const licenseId = await issueLicense(tenure, { companyId });

    const [delivery] = await eventually(() => deliveriesOf(flaky.id), (log) => log[0]?.status === 'delivered', { timeoutMs: 20_000 });
    expect(delivery).toMatchObject({ type: 'license.issued', status: 'delivered', lastStatusCode: 200 });
    expect(delivery.attempts.map((attempt: { statusCode: number }) => attempt.statusCode)).toEqual([500, 200]);
    expect(delivery.attempts[0].error).toContain('HTTP 500');
    const requests = receiver.received('/flaky').filter(forLicense(licenseId));
    expect(requests).toHaveLength(2);
    // The same event each time, freshly signed, after a backoff.
    expect(JSON.parse(requests[0]!.body).id).toBe(JSON.parse(requests[1]!.body).id);
    expect(requests[0]!.headers['tenure-delivery']).toBe(requests[1]!.headers['tenure-delivery']);
    for (const request of requests) verifySignature(request, flaky.secret);
    expect(requests[1]!.receivedAt - requests[0]!.receivedAt).toBeGreaterThanOrEqual(900);
    expect(await tenure.client.workflow.getHandle(`webhook-delivery:${delivery.id}`).result()).toBe('delivered');

    const [refused] = await eventually(() => deliveriesOf(unreachable.id), (log) => log[0]?.attempts.length >= 2, { timeoutMs: 20_000 });
    expect(refused.status).toBe('pending');
    expect(refused.attempts[0]).toMatchObject({ statusCode: null, error: expect.stringContaining('ECONNREFUSED') });
    // Deleting the subscription ends its retries at their next attempt.
    expect((await tenure.api('DELETE', `/v1/webhooks/${unreachable.id}`)).status).toBe(204);
    expect(await tenure.client.workflow.getHandle(`webhook-delivery:${refused.id}`).result()).toBe('skipped');
  });

  it('a 410 disables the subscription, audited, and later events are not delivered to it; another 4xx fails without retry', async () => {
    receiver.script('/gone', [], 410);
    receiver.script('/rejects', [], 400);
    const gone = await subscribe({ url: receiver.url('/gone'), events: ['license.*'] });
    const rejects = await subscribe({ url: receiver.url('/rejects'), events: ['license.issued'] });
    // A healthy subscriber: once it has the renewal, every delivery of that event has been attempted.
    await subscribe({ url: receiver.url('/control'), events: ['license.renewed'] });
    const licenseId = await issueLicense(tenure, { companyId });

    const disabled = await eventually(async () => (await tenure.api('GET', `/v1/webhooks/${gone.id}`)).body, (webhook) => webhook.status === 'disabled');
    expect(disabled.disabledReason).toContain('410');
    expect(await deliveriesOf(gone.id)).toMatchObject([{ type: 'license.issued', status: 'failed', lastStatusCode: 410, attempts: [{ statusCode: 410 }] }]);
    const audited = await tenure.db.select().from(auditLog).where(and(eq(auditLog.subjectId, gone.id), eq(auditLog.action, 'webhook.disabled')));
    expect(audited).toMatchObject([{ subjectType: 'webhook', actor: 'system:webhooks', before: { status: 'active' }, after: { status: 'disabled' } }]);

    expect((await tenure.api('POST', `/v1/licenses/${licenseId}/renew`, { duration: 'P1Y' })).status).toBe(200);
    await eventually(async () => receiver.received('/control').filter(forLicense(licenseId)), (requests) => requests.length === 1);
    expect(receiver.received('/gone').filter(forLicense(licenseId))).toHaveLength(1);
    expect(await deliveriesOf(gone.id)).toHaveLength(1);

    // By now the 400 has long been answered: one attempt, failed, never retried.
    expect(receiver.received('/rejects').filter(forLicense(licenseId))).toHaveLength(1);
    expect(await deliveriesOf(rejects.id)).toMatchObject([{ status: 'failed', lastStatusCode: 400, lastError: expect.stringContaining('HTTP 400'), attempts: [{ attempt: 1 }] }]);
  });

  it('a subscription names an http(s) URL and known events; another partner never sees it', async () => {
    const badUrl = await tenure.api('POST', '/v1/webhooks', { url: 'ftp://example.test/hooks', events: ['license.*'] });
    expect(badUrl.status).toBe(422);
    expect(badUrl.body).toMatchObject({ code: 'invalid_input', field: 'url' });
    const badEvent = await tenure.api('POST', '/v1/webhooks', { url: receiver.url('/x'), events: ['license.renewed', 'license.exploded'] });
    expect(badEvent.status).toBe(422);
    expect(badEvent.body.field).toBe('events.1');
    const shortSecret = await tenure.api('POST', '/v1/webhooks', { url: receiver.url('/x'), events: ['*'], secret: 'short' });
    expect(shortSecret.body.field).toBe('secret');

    const mine = await subscribe({ url: receiver.url('/mine'), events: ['account.*', 'license.deleted'] });
    const other = await tenure.api('POST', '/v1/partners', { name: 'Unrelated MSP' });
    const otherKey = other.body.adminKey.secret as string;
    expect((await tenure.api('GET', `/v1/webhooks/${mine.id}`, undefined, { key: otherKey })).status).toBe(404);
    expect((await tenure.api('GET', `/v1/webhooks/${mine.id}/deliveries`, undefined, { key: otherKey })).status).toBe(404);
    expect((await tenure.api('DELETE', `/v1/webhooks/${mine.id}`, undefined, { key: otherKey })).status).toBe(404);
    expect((await tenure.api('GET', '/v1/webhooks', undefined, { key: otherKey })).body.data).toEqual([]);
  });
});
