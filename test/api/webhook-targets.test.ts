// Issue 14 (SSRF): a webhook may not aim Tenure's signed POSTs at its own network: refused at
// subscription by syntax, and again at delivery after DNS, where the delivery fails visibly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCompany, issueLicense } from '../support/setup.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

/** A public-looking name that DNS (stood in for here) points at this machine after the subscription. */
const REBOUND_HOST = 'hooks.partner-portal.example';

let tenure: Tenure;
let production: Tenure;
let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
  [tenure, production] = await Promise.all([
    // No allow-list: what an installation does by default.
    startTenure({ webhookAllow: [], resolveWebhookHost: async (host) => (host === REBOUND_HOST ? [{ address: '127.0.0.1', family: 4 }] : []) }),
    startTenure({ production: true, worker: false }),
  ]);
});
afterAll(async () => {
  await Promise.all([tenure?.close(), production?.close()]);
  await receiver?.close();
});

describe('webhook targets', () => {
  it.each([
    ['the cloud metadata service', 'http://169.254.169.254/latest/meta-data/'],
    ["Tenure's database", 'http://127.0.0.1:5433/'],
    ['loopback spelled as a number', 'http://2130706433/hooks'],
    ['a private network', 'https://10.1.2.3/hooks'],
    ['a private network (192.168)', 'https://192.168.0.10/hooks'],
    ['IPv6 loopback', 'http://[::1]:8080/hooks'],
    ['a local host name', 'https://intranet.local/hooks'],
  ])('refuses %s at subscription with 422 naming url', async (_, url) => {
    const answer = await tenure.api('POST', '/v1/webhooks', { url, events: ['license.*'] });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ code: 'invalid_input', field: 'url' });
  });

  it('requires https in production mode', async () => {
    const plain = await production.api('POST', '/v1/webhooks', { url: 'http://hooks.example.com/tenure', events: ['license.*'] });
    expect(plain.status).toBe(422);
    expect(plain.body).toMatchObject({ field: 'url', detail: expect.stringContaining('https') });
    expect((await production.api('POST', '/v1/webhooks', { url: 'https://hooks.example.com/tenure', events: ['license.*'] })).status).toBe(201);
  });

  it('a name that resolves to a private address at delivery fails the delivery visibly, and nothing is sent', async () => {
    const port = new URL(receiver.url('/')).port;
    const subscribed = await tenure.api('POST', '/v1/webhooks', { url: `http://${REBOUND_HOST}:${port}/rebound`, events: ['license.issued'] });
    expect(subscribed.status, JSON.stringify(subscribed.body)).toBe(201);
    await issueLicense(tenure, { companyId: await createCompany(tenure) });
    const [delivery] = await eventually(
      async () => (await tenure.api('GET', `/v1/webhooks/${subscribed.body.id}/deliveries`)).body.data as { status: string; lastError: string | null }[],
      (deliveries) => deliveries[0]?.status === 'failed',
    );
    expect(delivery!.lastError).toContain(`${REBOUND_HOST}, which resolves to 127.0.0.1, a loopback address`);
    expect(receiver.received('/rebound')).toEqual([]);
  });
});
