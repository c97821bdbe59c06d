// ConnectWise Manage billing end to end (DESIGN §6, R26, R27): settings verified against a
// fake ConnectWise, the monthly push from a real billing workflow, preview and send now.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, billingPushes, connectWisePartnerSettings, webhookDeliveries } from '../../db/schema.js';
import { billingDateOf } from '../../machines/billing/billing-dates.js';
import { billingWorkflowId, sendNowWorkflowId } from '../../machines/billing/contract.js';
import { billingScheduleState } from '../../workflows/billing/messages.js';
import { startFakeConnectWise, type FakeConnectWise } from '../fakes/connectwise.js';
import { createCompany, issueLicense } from '../support/setup.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { nextWholeHour, saveConnectWisePartner, seedConnectWiseCompany, startSkewedBilling } from './setup.js';

let tenure: Tenure;
let fake: FakeConnectWise;
const billing = nextWholeHour();
beforeAll(async () => {
  [tenure, fake] = await Promise.all([startTenure(), startFakeConnectWise()]);
});
afterAll(async () => {
  await tenure?.close();
  await fake?.close();
});

const settingsPath = (companyId: string) => `/v1/companies/${companyId}/integrations/connectwise`;

/** A company with two protecting licenses of `product` (10 + 5 seats), mapped to a fresh ConnectWise addition. */
async function billedCompany(identifier: string, product: string, overrides: Record<string, unknown> = {}) {
  const companyId = await createCompany(tenure, { name: identifier });
  await issueLicense(tenure, { companyId, product, seats: 10 });
  await issueLicense(tenure, { companyId, product, seats: 5 });
  const upstream = seedConnectWiseCompany(fake, identifier, product);
  const body = {
    enabled: true,
    identifier,
    quantityBasis: 'seats_licensed',
    mappings: [{ product, agreementId: upstream.agreement.id, additionId: upstream.addition.id }],
    productsIncluded: [product],
    ...overrides,
  };
  return { companyId, upstream, body };
}

const patchesOf = (additionId: number) => fake.patches.filter((patch) => patch.additionId === additionId);

/** How soon a caller hears that ConnectWise asked for 30 s: a couple of seconds, with room for a loaded machine. */
const PROMPTLY_MS = 5_000;

describe('ConnectWise settings', () => {
  it('R27: without saved settings, preview and send now answer 409', async () => {
    const companyId = await createCompany(tenure, { name: 'Unconfigured' });
    for (const [method, path] of [['GET', `${settingsPath(companyId)}/preview`], ['POST', `${settingsPath(companyId)}/send-now`]] as const) {
      const answer = await tenure.api(method, path, method === 'POST' ? {} : undefined);
      expect(answer.status, JSON.stringify(answer.body)).toBe(409);
      expect(answer.body.code).toBe('connectwise_not_configured');
    }
  });

  it('keeps the keys encrypted and never returns them', async () => {
    const saved = await saveConnectWisePartner(tenure, fake, billing);
    expect(saved).toMatchObject({ publicKeySet: true, privateKeySet: true, billingDay: billing.day, timeZone: 'UTC' });
    const read = await tenure.api('GET', '/v1/partner/integrations/connectwise');
    expect(JSON.stringify(read.body)).not.toContain(fake.credentials.privateKey);
    const stored = await tenure.db.select().from(connectWisePartnerSettings);
    expect(JSON.stringify(stored)).not.toContain(fake.credentials.privateKey);
  });

  it('refuses keys and a clientId ConnectWise could not have issued (a placeholder "…", a space), naming the field, before any call to ConnectWise', async () => {
    const saved = await saveConnectWisePartner(tenure, fake, billing);
    for (const [field, value] of [['clientId', '…'], ['publicKey', 'my key'], ['privateKey', 'clé'], ['company', 'my msp']] as const) {
      const answer = await tenure.api('PUT', '/v1/partner/integrations/connectwise', { ...fake.credentials, baseUrl: fake.baseUrl, billingDay: saved.billingDay, billingHour: saved.billingHour, timeZone: 'UTC', [field]: value });
      expect(answer.status, field).toBe(422);
      expect(answer.body.field).toBe(field);
    }
  });

  it('refuses a time zone the tz database does not name, naming the field, and keeps the saved settings', async () => {
    const saved = await saveConnectWisePartner(tenure, fake, billing);
    for (const timeZone of ['', '0'.repeat(99), 'Mars/Olympus_Mons', '+01:00']) {
      const answer = await tenure.api('PUT', '/v1/partner/integrations/connectwise', { baseUrl: fake.baseUrl, ...fake.credentials, billingDay: billing.day, billingHour: billing.hour, timeZone });
      expect(answer, JSON.stringify(timeZone)).toMatchObject({ status: 422, body: { field: 'timeZone' } });
    }
    expect((await tenure.api('GET', '/v1/partner/integrations/connectwise')).body).toEqual(saved);
  });

  it('verifies the company identifier against ConnectWise: unknown is a 422 naming the field', async () => {
    const { companyId, body } = await billedCompany('ACME-VERIFY', 'endpoint-verify');
    const unknown = await tenure.api('PUT', settingsPath(companyId), { ...body, identifier: 'NO-SUCH-COMPANY' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.field).toBe('identifier');
    const known = await tenure.api('PUT', settingsPath(companyId), body);
    expect(known.status, JSON.stringify(known.body)).toBe(200);
    expect(known.body.identifier).toBe('ACME-VERIFY');
  });

  it('a partner baseUrl that misses the API path (/v4_6_release/apis/3.0) is sent back to the partner settings, not blamed on the identifier', async () => {
    const { companyId, body } = await billedCompany('ACME-SITE', 'endpoint-site');
    const siteRoot = fake.baseUrl.slice(0, fake.baseUrl.indexOf('/v4_6_release'));
    const saved = await saveConnectWisePartner(tenure, fake, billing);
    const wrong = await tenure.api('PUT', '/v1/partner/integrations/connectwise', { ...fake.credentials, baseUrl: siteRoot, billingDay: saved.billingDay, billingHour: saved.billingHour, timeZone: saved.timeZone });
    expect(wrong.status, JSON.stringify(wrong.body)).toBe(200);
    try {
      const answer = await tenure.api('PUT', settingsPath(companyId), body);
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({ code: 'connectwise_auth_failed', detail: expect.stringMatching(/\/v4_6_release\/apis\/3\.0.*PUT \/v1\/partner\/integrations\/connectwise/) });
    } finally {
      await saveConnectWisePartner(tenure, fake, billing);
    }
  });

  it('maps products to additions ConnectWise lists, and refuses an addition it does not', async () => {
    const { companyId, upstream, body } = await billedCompany('ACME-MAP', 'endpoint-map');
    const listed = await tenure.api('GET', `${settingsPath(companyId)}/agreements?identifier=ACME-MAP`);
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body.agreements).toEqual([
      expect.objectContaining({ id: upstream.agreement.id, additions: [expect.objectContaining({ id: upstream.addition.id, product: 'endpoint-map' })] }),
    ]);
    const wrong = await tenure.api('PUT', settingsPath(companyId), { ...body, mappings: [{ ...body.mappings[0], additionId: 999_999 }] });
    expect(wrong.status).toBe(422);
    expect(wrong.body.field).toBe('mappings.0.additionId');
  });

  it('refuses two products mapped to one agreement addition, naming the field: each would overwrite the other\'s quantity', async () => {
    const { companyId, body } = await billedCompany('ACME-SHARED', 'endpoint-shared');
    const [mapping] = body.mappings;
    const shared = await tenure.api('PUT', settingsPath(companyId), {
      ...body,
      mappings: [mapping, { ...mapping, product: 'mobile-shared' }],
      productsIncluded: ['endpoint-shared', 'mobile-shared'],
    });
    expect(shared.status, JSON.stringify(shared.body)).toBe(422);
    expect(shared.headers.get('content-type')).toContain('application/problem+json');
    expect(shared.body).toMatchObject({ code: 'invalid_input', field: 'mappings.1.additionId' });
    expect(shared.body.detail).toContain('endpoint-shared');
    expect((await tenure.api('GET', settingsPath(companyId))).body.code).toBe('connectwise_not_configured');
  });

  it('R27: saves the identifier as ConnectWise spells it when it matched the one sent ignoring case', async () => {
    const { companyId, body } = await billedCompany('Acme-Spelling', 'endpoint-spelling');
    const saved = await tenure.api('PUT', settingsPath(companyId), { ...body, identifier: 'ACME-SPELLING' });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.identifier).toBe('Acme-Spelling');
    expect((await tenure.api('GET', settingsPath(companyId))).body.identifier).toBe('Acme-Spelling');
  });

  it('R27: reads the additions of at most 4 agreements at once, so a company with many agreements stays under the rate limit', async () => {
    const companyId = await createCompany(tenure, { name: 'ACME-MANY' });
    const upstream = fake.addCompany({ identifier: 'ACME-MANY' });
    const agreements = Array.from({ length: 10 }, (_, index) => fake.addAgreement({ companyId: upstream.id, name: `Agreement ${String(index + 1)}` }));
    for (const agreement of agreements) fake.addAddition({ agreementId: agreement.id, product: `product-${String(agreement.id)}`, quantity: 1 });

    const slow = fake.slowAnswers(100);
    try {
      const listed = await tenure.api('GET', `${settingsPath(companyId)}/agreements?identifier=ACME-MANY`);
      expect(listed.status, JSON.stringify(listed.body)).toBe(200);
      expect(listed.body.agreements.map((agreement: { id: number; additions: unknown[] }) => [agreement.id, agreement.additions.length])).toEqual(agreements.map((agreement) => [agreement.id, 1]));
      expect(slow.peakInFlight).toBe(4);
    } finally {
      slow.restore();
    }
  });

  it('R27: waits out a 429 on one agreement\'s additions for its Retry-After instead of failing the whole lookup', async () => {
    const companyId = await createCompany(tenure, { name: 'ACME-THROTTLED' });
    const upstream = fake.addCompany({ identifier: 'ACME-THROTTLED' });
    const agreements = ['Security', 'Backup', 'Email'].map((name) => fake.addAgreement({ companyId: upstream.id, name }));
    for (const agreement of agreements) fake.addAddition({ agreementId: agreement.id, product: `throttled-${agreement.name}`, quantity: 1 });
    fake.failNextMatching(3, { status: 429, retryAfterSeconds: 1, method: 'GET', path: new RegExp(`^/finance/agreements/${String(agreements[1]!.id)}/additions$`) });

    const listed = await tenure.api('GET', `${settingsPath(companyId)}/agreements?identifier=ACME-THROTTLED`);
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body.agreements.map((agreement: { name: string; additions: { product: string }[] }) => [agreement.name, agreement.additions.map((addition) => addition.product)])).toEqual([
      ['Security', ['throttled-Security']],
      ['Backup', ['throttled-Backup']],
      ['Email', ['throttled-Email']],
    ]);
  });

  it('R27: saving settings answers 503 at once, with its Retry-After, when ConnectWise asks to come back in more than 10 s, and keeps the saved settings', async () => {
    await saveConnectWisePartner(tenure, fake, billing);
    const { companyId, body } = await billedCompany('ACME-SAVE-LATER', 'endpoint-save-later');
    expect((await tenure.api('PUT', settingsPath(companyId), body)).status).toBe(200);
    const before = await tenure.api('GET', settingsPath(companyId));
    const companyLookups = () => fake.requests.filter((request) => request.path.endsWith('/company/companies') && request.query.conditions?.includes('ACME-SAVE-LATER'));
    const lookupsBefore = companyLookups().length;
    fake.failNextMatching(1, { status: 429, retryAfterSeconds: 30, method: 'GET', path: /^\/company\/companies$/ });

    const started = Date.now();
    const saved = await tenure.api('PUT', settingsPath(companyId), { ...body, quantityBasis: 'seats_used' });
    const waitedMs = Date.now() - started;

    expect(saved.status, JSON.stringify(saved.body)).toBe(503);
    expect(waitedMs).toBeLessThan(PROMPTLY_MS);
    expect(saved.headers.get('retry-after')).toBe('30');
    expect(saved.body).toMatchObject({ code: 'connectwise_unavailable', detail: expect.stringContaining('Nothing was saved') });
    // Asked once: no lookup goes on behind the answer.
    expect(companyLookups()).toHaveLength(lookupsBefore + 1);
    const after = await tenure.api('GET', settingsPath(companyId));
    expect(after.body).toEqual(before.body);
    expect(after.body.quantityBasis).toBe('seats_licensed');
  });

  it('R27: listing agreements answers 503 at once, with its Retry-After, when ConnectWise asks to come back in more than 10 s', async () => {
    await saveConnectWisePartner(tenure, fake, billing);
    const companyId = await createCompany(tenure, { name: 'ACME-LIST-LATER' });
    seedConnectWiseCompany(fake, 'ACME-LIST-LATER', 'endpoint-list-later');
    fake.failNextMatching(1, { status: 503, retryAfterSeconds: 30, method: 'GET', path: /^\/finance\/agreements$/ });

    const started = Date.now();
    const listed = await tenure.api('GET', `${settingsPath(companyId)}/agreements?identifier=ACME-LIST-LATER`);
    const waitedMs = Date.now() - started;

    expect(listed.status, JSON.stringify(listed.body)).toBe(503);
    expect(waitedMs).toBeLessThan(PROMPTLY_MS);
    expect(listed.headers.get('retry-after')).toBe('30');
    expect(listed.body.code).toBe('connectwise_unavailable');
    const again = await tenure.api('GET', `${settingsPath(companyId)}/agreements?identifier=ACME-LIST-LATER`);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
  });
});

describe('pushes', () => {
  it('R26: pushes the quantities on the billing day at the set hour, records the period and plans the next month', async () => {
    const { companyId, upstream, body } = await billedCompany('ACME-MONTHLY', 'endpoint-monthly');
    await startSkewedBilling(tenure, companyId, billing.at, 4_000);
    expect((await tenure.api('PUT', settingsPath(companyId), body)).status).toBe(200);

    await eventually(async () => patchesOf(upstream.addition.id).length, (count) => count === 1);
    expect(patchesOf(upstream.addition.id)[0]!.body).toEqual([{ op: 'replace', path: 'quantity', value: 15 }]);
    const handle = tenure.client.workflow.getHandle(billingWorkflowId(companyId));
    const view = await eventually(() => handle.query(billingScheduleState), (state) => state.lastPush?.period === billing.period);
    expect(view.lastPush?.status).toBe('pushed');
    expect(view.nextBillingDate!.period > billing.period).toBe(true);
    const [push] = await tenure.db.select().from(billingPushes).where(eq(billingPushes.companyId, companyId));
    expect(push).toMatchObject({ trigger: 'scheduled', period: billing.period, status: 'pushed' });
    const audited = await tenure.db.select().from(auditLog).where(and(eq(auditLog.subjectId, companyId), eq(auditLog.action, 'billing.pushed')));
    expect(audited).toHaveLength(1);

    // R26: moving the billing hour within the pushed month plans next month; the month is not pushed again.
    const hour = (billing.hour + 1) % 24;
    expect((await tenure.api('PUT', settingsPath(companyId), { ...body, settings: 'custom', billingDay: billing.day, billingHour: hour })).status).toBe(200);
    const nextPeriod = view.nextBillingDate!.period;
    const replanned = await eventually(() => handle.query(billingScheduleState), (state) => state.nextBillingDate?.at !== view.nextBillingDate?.at);
    expect(replanned.nextBillingDate).toEqual({ period: nextPeriod, at: new Date(billingDateOf(nextPeriod, { day: billing.day, hour, timeZone: 'UTC' }).at).toISOString() });
    expect(patchesOf(upstream.addition.id)).toHaveLength(1);
    expect(await tenure.db.select().from(billingPushes).where(eq(billingPushes.companyId, companyId))).toHaveLength(1);
  });

  it('R27: send now pushes exactly what the preview showed, audits it and sends a webhook', async () => {
    const hook = await tenure.api('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/billing', events: ['billing.*'] });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const { companyId, upstream, body } = await billedCompany('ACME-NOW', 'endpoint-now');
    expect((await tenure.api('PUT', settingsPath(companyId), body)).status).toBe(200);

    const preview = await tenure.api('GET', `${settingsPath(companyId)}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.body.lines).toEqual([{ product: 'endpoint-now', agreementId: upstream.agreement.id, additionId: upstream.addition.id, quantity: 15, licensesCounted: 2 }]);
    expect(preview.body.nextBillingDates).toHaveLength(12);

    const sent = await tenure.api('POST', `${settingsPath(companyId)}/send-now`, { fingerprint: preview.body.fingerprint });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect(sent.body).toMatchObject({ trigger: 'send_now', status: 'pushed', lines: preview.body.lines });
    expect(fake.addition(upstream.agreement.id, upstream.addition.id)?.quantity).toBe(15);
    const audited = await tenure.db.select().from(auditLog).where(and(eq(auditLog.subjectId, companyId), eq(auditLog.action, 'billing.pushed')));
    expect(audited.map((entry) => (entry.after as { lines: unknown }).lines)).toEqual([preview.body.lines.map((line: object) => ({ ...line, status: 'pushed' }))]);
    const deliveries = await tenure.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.eventId, `billing:${sent.body.id}`));
    expect(deliveries.map((delivery) => delivery.eventType)).toEqual(['billing.pushed']);

    // A stale preview pushes nothing.
    await issueLicense(tenure, { companyId, product: 'endpoint-now', seats: 1 });
    const stale = await tenure.api('POST', `${settingsPath(companyId)}/send-now`, { fingerprint: preview.body.fingerprint });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('preview_changed');
    expect(patchesOf(upstream.addition.id)).toHaveLength(1);
  });

  it('refuses a push that would set a quantity to 0 unless allowZeroQuantity is set', async () => {
    const { companyId, upstream, body } = await billedCompany('ACME-ZERO', 'endpoint-zero');
    const unlicensed = fake.addAddition({ agreementId: upstream.agreement.id, product: 'unlicensed-product', quantity: 7 });
    const settings = {
      ...body,
      mappings: [...body.mappings, { product: 'unlicensed-product', agreementId: upstream.agreement.id, additionId: unlicensed.id }],
      productsIncluded: ['endpoint-zero', 'unlicensed-product'],
    };
    expect((await tenure.api('PUT', settingsPath(companyId), settings)).status).toBe(200);
    expect((await tenure.api('GET', `${settingsPath(companyId)}/preview`)).body.zeroQuantityProducts).toEqual(['unlicensed-product']);

    const refused = await tenure.api('POST', `${settingsPath(companyId)}/send-now`, {});
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'zero_quantity_refused', products: ['unlicensed-product'] });
    expect(patchesOf(unlicensed.id)).toHaveLength(0);
    expect(patchesOf(upstream.addition.id)).toHaveLength(0);

    expect((await tenure.api('PUT', settingsPath(companyId), { ...settings, allowZeroQuantity: true })).status).toBe(200);
    const allowed = await tenure.api('POST', `${settingsPath(companyId)}/send-now`, {});
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(201);
    expect(fake.addition(upstream.agreement.id, unlicensed.id)?.quantity).toBe(0);
  });
});

describe('pushes that fail', () => {
  beforeAll(async () => {
    await saveConnectWisePartner(tenure, fake, billing);
  });

  const auditedFailures = (companyId: string) =>
    tenure.db.select().from(auditLog).where(and(eq(auditLog.subjectId, companyId), eq(auditLog.action, 'billing.failed')));
  const patchRequestsOf = (agreementId: number) => fake.requests.filter((request) => request.method === 'PATCH' && request.path.includes(`/finance/agreements/${String(agreementId)}/`));

  it('R27, R32: a push refused midway says line by line what ConnectWise took, in the answer, the push history, the audit entry and the webhook', async () => {
    const hook = await tenure.api('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/midway', events: ['billing.failed'] });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const companyId = await createCompany(tenure, { name: 'ACME-MIDWAY' });
    const products = ['midway-antivirus', 'midway-backup', 'midway-mail'];
    for (const product of products) await issueLicense(tenure, { companyId, product, seats: 4 });
    const upstream = fake.addCompany({ identifier: 'ACME-MIDWAY' });
    const agreement = fake.addAgreement({ companyId: upstream.id, name: 'ACME-MIDWAY managed services' });
    const additions = products.map((product) => fake.addAddition({ agreementId: agreement.id, product, quantity: 1 }));
    const saved = await tenure.api('PUT', settingsPath(companyId), {
      enabled: true,
      identifier: 'ACME-MIDWAY',
      mappings: products.map((product, index) => ({ product, agreementId: agreement.id, additionId: additions[index]!.id })),
      productsIncluded: products,
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    // Someone deletes the second line's addition in ConnectWise after the settings were saved.
    fake.removeAddition(agreement.id, additions[1]!.id);

    const sent = await tenure.api('POST', `${settingsPath(companyId)}/send-now`, {});

    const lineStatuses = [
      { product: 'midway-antivirus', quantity: 4, status: 'pushed' },
      { product: 'midway-backup', quantity: 4, status: 'not_pushed' },
      { product: 'midway-mail', quantity: 4, status: 'not_pushed' },
    ];
    expect(sent.status, JSON.stringify(sent.body)).toBe(502);
    expect(sent.body).toMatchObject({ code: 'connectwise_push_failed', push: { status: 'failed', errorType: 'ConnectWiseNotFound', lines: lineStatuses } });
    expect(sent.body.detail).toContain('ConnectWise took the quantities of midway-antivirus before that; the other lines were not pushed.');
    expect(fake.addition(agreement.id, additions[0]!.id)?.quantity).toBe(4);
    expect(fake.addition(agreement.id, additions[2]!.id)?.quantity).toBe(1);

    const history = await tenure.api('GET', `${settingsPath(companyId)}/pushes`);
    expect(history.status).toBe(200);
    expect(history.body.data).toMatchObject([{ id: sent.body.push.id, status: 'failed', lines: lineStatuses }]);
    const audited = await auditedFailures(companyId);
    expect(audited.map((entry) => entry.after)).toMatchObject([{ pushId: sent.body.push.id, lines: lineStatuses }]);
    const deliveries = await tenure.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.eventId, `billing:${String(sent.body.push.id)}`));
    expect(deliveries.length).toBeGreaterThan(0);
    for (const delivery of deliveries) expect(delivery.data).toMatchObject({ companyId, lines: lineStatuses });
  });

  it('R27: send now answers 503 with Retry-After when ConnectWise stays rate limited, and records the push as failed', async () => {
    const { companyId, upstream, body } = await billedCompany('ACME-BUSY', 'endpoint-busy');
    expect((await tenure.api('PUT', settingsPath(companyId), body)).status).toBe(200);
    fake.failNextMatching(3, { status: 429, retryAfterSeconds: 1, method: 'PATCH', path: new RegExp(`^/finance/agreements/${String(upstream.agreement.id)}/`) });

    const sent = await tenure.api('POST', `${settingsPath(companyId)}/send-now`, {});

    expect(sent.status, JSON.stringify(sent.body)).toBe(503);
    expect(sent.headers.get('content-type')).toContain('application/problem+json');
    expect(sent.headers.get('retry-after')).toBe('1');
    expect(sent.body).toMatchObject({ code: 'connectwise_unavailable', push: { status: 'failed', errorType: 'ConnectWiseUnavailable', lines: [{ status: 'not_pushed' }] } });
    expect(patchRequestsOf(upstream.agreement.id)).toHaveLength(3);
    expect(fake.addition(upstream.agreement.id, upstream.addition.id)?.quantity).toBe(1);
    expect((await tenure.api('GET', `${settingsPath(companyId)}/pushes`)).body.data).toMatchObject([{ id: sent.body.push.id, status: 'failed' }]);
  });

  it('R27, R32: send now answers 503 when ConnectWise stays down, and the audited error quotes the page its proxy served', async () => {
    const { companyId, upstream, body } = await billedCompany('ACME-DOWN', 'endpoint-down');
    expect((await tenure.api('PUT', settingsPath(companyId), body)).status).toBe(200);
    const page = '<html><head><title>503</title></head><body><h1>503 Service Temporarily Unavailable</h1><hr><center>nginx</center></body></html>';
    fake.failNextMatching(3, { status: 503, method: 'PATCH', path: new RegExp(`^/finance/agreements/${String(upstream.agreement.id)}/`), text: { contentType: 'text/html', body: page } });

    const sent = await tenure.api('POST', `${settingsPath(companyId)}/send-now`, {});

    expect(sent.status, JSON.stringify(sent.body)).toBe(503);
    expect(sent.headers.get('retry-after')).toBeNull();
    expect(sent.body.code).toBe('connectwise_unavailable');
    expect(sent.body.push.error).toContain('503 Service Temporarily Unavailable nginx');
    const audited = await auditedFailures(companyId);
    expect(audited.map((entry) => (entry.after as { error: string }).error)).toEqual([expect.stringContaining('503 Service Temporarily Unavailable nginx')]);
  });

  const additionPath = (agreementId: number, additionId: number) => new RegExp(`^/finance/agreements/${String(agreementId)}/additions/${String(additionId)}$`);

  it('R27: send now answers 503 at once when ConnectWise asks to come back in more than 10 s, with its Retry-After, the lines it took, and nothing left pushing', async () => {
    const companyId = await createCompany(tenure, { name: 'ACME-LATER' });
    const products = ['later-antivirus', 'later-backup'];
    for (const product of products) await issueLicense(tenure, { companyId, product, seats: 4 });
    const upstream = fake.addCompany({ identifier: 'ACME-LATER' });
    const agreement = fake.addAgreement({ companyId: upstream.id, name: 'ACME-LATER managed services' });
    const additions = products.map((product) => fake.addAddition({ agreementId: agreement.id, product, quantity: 1 }));
    const saved = await tenure.api('PUT', settingsPath(companyId), {
      enabled: true,
      identifier: 'ACME-LATER',
      mappings: products.map((product, index) => ({ product, agreementId: agreement.id, additionId: additions[index]!.id })),
      productsIncluded: products,
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    fake.failNextMatching(1, { status: 429, retryAfterSeconds: 30, method: 'PATCH', path: additionPath(agreement.id, additions[1]!.id) });

    const started = Date.now();
    const sent = await tenure.api('POST', `${settingsPath(companyId)}/send-now`, {});
    const waitedMs = Date.now() - started;

    expect(sent.status, JSON.stringify(sent.body)).toBe(503);
    expect(waitedMs).toBeLessThan(PROMPTLY_MS);
    expect(sent.headers.get('retry-after')).toBe('30');
    const lineStatuses = [
      { product: 'later-antivirus', quantity: 4, status: 'pushed' },
      { product: 'later-backup', quantity: 4, status: 'not_pushed' },
    ];
    expect(sent.body).toMatchObject({ code: 'connectwise_unavailable', push: { status: 'failed', errorType: 'ConnectWiseUnavailable', lines: lineStatuses } });
    expect(sent.body.detail).toContain('ConnectWise took the quantities of later-antivirus before that; the other lines were not pushed.');
    // The push is over, not retrying behind the answer: ConnectWise holds what the answer says, and will.
    const workflow = await tenure.client.workflow.getHandle(sendNowWorkflowId(sent.body.push.id)).describe();
    expect(workflow.status.name).toBe('COMPLETED');
    expect(patchRequestsOf(agreement.id)).toHaveLength(2);
    expect(additions.map((addition) => fake.addition(agreement.id, addition.id)?.quantity)).toEqual([4, 1]);
    expect((await tenure.api('GET', `${settingsPath(companyId)}/pushes`)).body.data).toMatchObject([{ id: sent.body.push.id, status: 'failed', lines: lineStatuses }]);
  });

  it('R27: a send now answered 503 is not replayed: the retry with the same Idempotency-Key after its Retry-After pushes, and only then is replayed', async () => {
    const { companyId, upstream, body } = await billedCompany('ACME-AGAIN', 'endpoint-again');
    expect((await tenure.api('PUT', settingsPath(companyId), body)).status).toBe(200);
    fake.failNextMatching(1, { status: 503, retryAfterSeconds: 30, method: 'PATCH', path: additionPath(upstream.agreement.id, upstream.addition.id) });
    const sendNow = () => tenure.api('POST', `${settingsPath(companyId)}/send-now`, {}, { headers: { 'idempotency-key': `send-now-${companyId}` } });

    const first = await sendNow();
    expect(first.status, JSON.stringify(first.body)).toBe(503);
    expect(first.headers.get('retry-after')).toBe('30');

    const again = await sendNow();
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.body).toMatchObject({ status: 'pushed', lines: [{ quantity: 15, status: 'pushed' }] });
    expect(again.body.id).not.toBe(first.body.push.id);
    expect(fake.addition(upstream.agreement.id, upstream.addition.id)?.quantity).toBe(15);

    const replayed = await sendNow();
    expect(replayed).toMatchObject({ status: 201, body: again.body });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(patchesOf(upstream.addition.id)).toHaveLength(1);
    expect((await tenure.api('GET', `${settingsPath(companyId)}/pushes`)).body.data).toMatchObject([
      { id: again.body.id, status: 'pushed' },
      { id: first.body.push.id, status: 'failed' },
    ]);
  });

  it('R26: a scheduled push that ConnectWise asks to come back in more than 10 s keeps retrying in the background, and pushes the period once', async () => {
    const { companyId, upstream, body } = await billedCompany('ACME-PATIENT', 'endpoint-patient');
    fake.failNextMatching(1, { status: 429, retryAfterSeconds: 11, method: 'PATCH', path: additionPath(upstream.agreement.id, upstream.addition.id) });
    await startSkewedBilling(tenure, companyId, billing.at, 3_000);
    expect((await tenure.api('PUT', settingsPath(companyId), body)).status).toBe(200);

    const pushes = await eventually(
      () => tenure.db.select().from(billingPushes).where(eq(billingPushes.companyId, companyId)),
      (rows) => rows[0]?.status === 'pushed',
      { timeoutMs: 60_000 },
    );
    expect(pushes).toMatchObject([{ trigger: 'scheduled', period: billing.period, status: 'pushed' }]);
    expect(patchRequestsOf(upstream.agreement.id)).toHaveLength(2);
    expect(fake.addition(upstream.agreement.id, upstream.addition.id)?.quantity).toBe(15);
    expect(await auditedFailures(companyId)).toHaveLength(0);
  });
});

describe('R26: a billing day moved within the month', () => {
  /** The workflow's today: noon UTC on the 10th of next month, through its skewed clock. */
  const today = (() => {
    const now = new Date();
    return Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 10, 12);
  })();
  const periodOf = (instant: number) => new Date(instant).toISOString().slice(0, 7);
  const thisMonth = periodOf(today);
  const nextMonth = periodOf(Date.UTC(new Date(today).getUTCFullYear(), new Date(today).getUTCMonth() + 1, 1));
  const billedOn = (period: string, day: number) => ({ period, at: new Date(billingDateOf(period, { day, hour: 12, timeZone: 'UTC' }).at).toISOString() });

  beforeAll(async () => {
    await saveConnectWisePartner(tenure, fake, billing);
  });

  /** A company billed at noon on custom day `day`, whose billing workflow lives on `today`. */
  async function billedOnDay(identifier: string, product: string, day: number) {
    const { companyId, upstream, body } = await billedCompany(identifier, product);
    await startSkewedBilling(tenure, companyId, today, 0);
    const saveDay = (billingDay: number) => tenure.api('PUT', settingsPath(companyId), { ...body, settings: 'custom', billingDay, billingHour: 12 });
    expect((await saveDay(day)).status).toBe(200);
    const handle = tenure.client.workflow.getHandle(billingWorkflowId(companyId));
    const pushesOfCompany = () => tenure.db.select().from(billingPushes).where(eq(billingPushes.companyId, companyId));
    return { companyId, upstream, handle, saveDay, pushesOfCompany };
  }

  it('R26: on the 10th, moving the billing day from the 15th to the 5th pushes this month at once, and moving it to the 20th then does not push it again', async () => {
    const { upstream, handle, saveDay, pushesOfCompany } = await billedOnDay('ACME-EARLIER', 'endpoint-earlier', 15);
    await eventually(() => handle.query(billingScheduleState), (state) => state.nextBillingDate?.at === billedOn(thisMonth, 15).at);

    expect((await saveDay(5)).status).toBe(200);
    const pushes = await eventually(pushesOfCompany, (rows) => rows[0]?.status === 'pushed');
    expect(pushes).toMatchObject([{ trigger: 'scheduled', period: thisMonth, status: 'pushed' }]);
    expect(fake.addition(upstream.agreement.id, upstream.addition.id)?.quantity).toBe(15);
    const pushed = await eventually(() => handle.query(billingScheduleState), (state) => state.lastPush?.period === thisMonth);
    expect(pushed.nextBillingDate).toEqual(billedOn(nextMonth, 5));

    expect((await saveDay(20)).status).toBe(200);
    await eventually(() => handle.query(billingScheduleState), (state) => state.nextBillingDate?.at === billedOn(nextMonth, 20).at);
    expect(patchesOf(upstream.addition.id)).toHaveLength(1);
    expect(await pushesOfCompany()).toHaveLength(1);
  });

  it('R26: billing first enabled on the 10th with day 5 starts with next month: a month the schedule never planned is not pushed at save', async () => {
    const { upstream, handle, pushesOfCompany } = await billedOnDay('ACME-NEWCOMER', 'endpoint-newcomer', 5);
    const planned = await eventually(() => handle.query(billingScheduleState), (state) => state.nextBillingDate !== null);
    expect(planned.nextBillingDate).toEqual(billedOn(nextMonth, 5));
    expect(await pushesOfCompany()).toHaveLength(0);
    expect(patchesOf(upstream.addition.id)).toHaveLength(0);
  });
});
