// What a sync of an ESET MSP Administrator 2 source shows through the API when ESET answers as it
// documents but not as the happy path does: over-used licenses, .NET dates, odd records, companies
// the account has NoAccess to (its own included: R4), and pages that lost their rows. A failed read
// is retried and leaves the previous data whole; nothing unread is taken for gone (R23).
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { sourceLicenses } from '../../db/schema.js';
import { startFakeEsetEma2, type FakeEsetEma2, type FakeEsetOptions } from '../fakes/eset-ema2.js';
import type { OpenApiDocument } from '../../api/openapi/document.js';
import { Contract } from '../api/contract.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { createSource, licensesOfSource, recordFingerprint, startSync, sync, untilSyncEnds } from './helpers.js';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure();
});
afterAll(async () => {
  await tenure?.close();
});

const running: FakeEsetEma2[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((fake) => fake.close()));
});

/** A fake EMA2 and a source reading it. */
async function esetSource(name: string, options: FakeEsetOptions) {
  const fake = await startFakeEsetEma2(options);
  running.push(fake);
  const sourceId = await createSource(tenure, { name, vendor: 'eset_ema2', baseUrl: fake.url, credentials: fake.credentials });
  return { fake, sourceId };
}

/** The license as `GET /v1/licenses/:id` shows it, found by its ESET public license key. */
async function licenseOf(sourceId: string, publicLicenseKey: string) {
  const [link] = await tenure.db
    .select({ licenseId: sourceLicenses.licenseId })
    .from(sourceLicenses)
    .where(and(eq(sourceLicenses.sourceId, sourceId), eq(sourceLicenses.upstreamId, publicLicenseKey)));
  expect(link, `license ${publicLicenseKey} was imported`).toBeDefined();
  return (await tenure.api('GET', `/v1/licenses/${link!.licenseId}`)).body;
}

const sourceStatus = async (sourceId: string) => (await tenure.api('GET', `/v1/sources/${sourceId}`)).body;

it('an over-used license (ESET state 0 "Error": more seats activated than authorised) is imported, in force, and follows its changes upstream', async () => {
  const { fake, sourceId } = await esetSource('ESET over-used', { companies: 1, licensesPerCompany: 1 });
  const overUsed = fake.addLicense([...fake.companies.keys()][0]!, { state: 0, quantity: 10, usage: 12 });

  expect(await sync(tenure, sourceId)).toMatchObject({ licensesCreated: 2 });
  expect(await licenseOf(sourceId, overUsed.publicLicenseKey)).toMatchObject({ state: 'active', seats: 10, seatsUsed: 12 });

  fake.setSeats(overUsed.publicLicenseKey, 15);
  expect(await sync(tenure, sourceId)).toMatchObject({ licensesUpdated: 1, licensesUnchanged: 1 });
  expect(await licenseOf(sourceId, overUsed.publicLicenseKey)).toMatchObject({ seats: 15 });
});

it('R23: an expiry ESET answers without offset is UTC; one that cannot be read fails the sync at once as invalid_response, and the license stays as it was until ESET answers a date', async () => {
  const { fake, sourceId } = await esetSource('ESET dates', { companies: 1 });
  const customer = [...fake.companies.keys()][0]!;
  const dotNet = fake.addLicense(customer, { expirationDate: '2030-01-31T00:00:00' });
  const plainDate = fake.addLicense(customer, { expirationDate: '2030-02-28' });

  await sync(tenure, sourceId);
  expect((await licenseOf(sourceId, dotNet.publicLicenseKey)).expiresAt).toBe('2030-01-31T00:00:00.000Z');
  expect((await licenseOf(sourceId, plainDate.publicLicenseKey)).expiresAt).toBe('2030-02-28T00:00:00.000Z');

  // An answer asking again will not change: the sync fails at once, naming the field, and writes nothing.
  fake.renewLicense(dotNet.publicLicenseKey, '31/01/2031');
  const before = await recordFingerprint(tenure);
  expect(await untilSyncEnds(tenure, await startSync(tenure, sourceId), 30_000)).toMatchObject({ status: 'failed', error: expect.stringContaining('expirationDate') });
  expect(await sourceStatus(sourceId)).toMatchObject({ status: 'upstream_unavailable', statusReason: 'invalid_response', statusDetail: expect.stringContaining('expirationDate') });
  expect(await recordFingerprint(tenure)).toEqual(before);

  fake.renewLicense(dotNet.publicLicenseKey, '2031-01-31T00:00:00');
  expect(await sync(tenure, sourceId)).toMatchObject({ licensesUpdated: 1, licensesUnchanged: 1 });
  expect((await licenseOf(sourceId, dotNet.publicLicenseKey)).expiresAt).toBe('2031-01-31T00:00:00.000Z');
  expect(await sourceStatus(sourceId)).toMatchObject({ status: 'ok' });
});

it('R23: a license ESET answers without productName, usage or trial is imported, none used, and the rest of the source with it; one answered without its quantity keeps the seats it had', async () => {
  const { fake, sourceId } = await esetSource('ESET odd record', { companies: 1, licensesPerCompany: 2 });
  const odd = fake.addLicense([...fake.companies.keys()][0]!, { productName: null, usage: null, trial: null });

  expect(await sync(tenure, sourceId)).toMatchObject({ licensesCreated: 3 });
  expect(await licenseOf(sourceId, odd.publicLicenseKey)).toMatchObject({ seats: 10, seatsUsed: 0, term: 'monthly', expiresAt: '2030-01-31T00:00:00.000Z' });

  // Neither zero seats (every device over-using it) nor unlimited: the seats read before stand.
  fake.licenses.get(odd.publicLicenseKey)!.quantity = null;
  expect(await sync(tenure, sourceId)).toMatchObject({ licensesUpdated: 0, licensesRemoved: 0, licensesUnchanged: 3 });
  expect(await licenseOf(sourceId, odd.publicLicenseKey)).toMatchObject({ seats: 10 });
});

it('a license ESET sells with no seats (quantity 0) reads back as the OpenAPI document describes a license', async () => {
  const { fake, sourceId } = await esetSource('ESET no seats', { companies: 1 });
  const none = fake.addLicense([...fake.companies.keys()][0]!, { quantity: 0, usage: 0 });
  expect(await sync(tenure, sourceId)).toMatchObject({ licensesCreated: 1 });

  const contract = new Contract((await (await fetch(`${tenure.url}/openapi.json`)).json()) as OpenApiDocument);
  const read = contract.operations().find((operation) => operation.method === 'get' && operation.path === '/v1/licenses/{id}')!;
  const { id } = await licenseOf(sourceId, none.publicLicenseKey);
  const answer = await fetch(`${tenure.url}/v1/licenses/${id}`, { headers: { authorization: `Bearer ${tenure.adminKey}` } });
  const text = await answer.text();
  expect(JSON.parse(text)).toMatchObject({ seats: 0 });
  expect(contract.breaches(read, { status: answer.status, contentType: answer.headers.get('content-type') ?? '', text })).toEqual([]);
});

it('R23: a company the account has NoAccess to (403) keeps its licenses, and the rest of the source syncs', async () => {
  const { fake, sourceId } = await esetSource('ESET NoAccess', { companies: 2, licensesPerCompany: 2 });
  expect(await sync(tenure, sourceId)).toMatchObject({ licensesCreated: 4 });
  const [closed, open] = [...fake.companies.values()];
  closed!.access = 'none';
  const renewed = [...fake.licenses.values()].find((license) => license.customerId === open!.publicId)!;
  fake.renewLicense(renewed.publicLicenseKey, '2031-06-30T00:00:00Z');

  expect(await sync(tenure, sourceId)).toMatchObject({ licensesRemoved: 0, licensesUpdated: 1, licensesUnchanged: 3, companiesUnread: 1 });
  expect(await licensesOfSource(tenure, sourceId)).toHaveLength(4);
  expect((await sourceStatus(sourceId)).lastSync.unreadCompanies).toEqual([expect.objectContaining({ upstreamId: closed!.publicId, name: closed!.name, reason: 'access_denied' })]);
  expect((await licenseOf(sourceId, renewed.publicLicenseKey)).expiresAt).toBe('2031-06-30T00:00:00.000Z');
  expect(await sourceStatus(sourceId)).toMatchObject({ status: 'ok' });
});

it('R4, R23: a company whose sub-companies ESET refuses (403 on Company/Children) keeps its licenses and those of its sites, both said unread, and the rest of the source syncs', async () => {
  const { fake, sourceId } = await esetSource('ESET NoAccess subtree', { companies: 1 });
  const open = [...fake.companies.values()][0]!;
  const closed = fake.addCompany('Closed');
  const site = fake.addCompany('Closed — Kraków', closed.publicId);
  for (const company of [closed, site, open]) fake.addLicense(company.publicId);
  expect(await sync(tenure, sourceId)).toMatchObject({ companiesCreated: 3, licensesCreated: 3 });

  closed.access = 'none';
  const renewed = [...fake.licenses.values()].find((license) => license.customerId === open.publicId)!;
  fake.renewLicense(renewed.publicLicenseKey, '2031-06-30T00:00:00Z');

  expect(await sync(tenure, sourceId)).toMatchObject({ licensesRemoved: 0, licensesUpdated: 1, licensesUnchanged: 2, companiesUnread: 2 });
  expect(await licensesOfSource(tenure, sourceId)).toHaveLength(3);
  expect((await sourceStatus(sourceId)).lastSync.unreadCompanies).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ upstreamId: closed.publicId, name: closed.name, reason: 'access_denied' }),
      expect.objectContaining({ upstreamId: site.publicId, name: site.name, reason: 'access_denied', detail: expect.stringContaining(closed.name) }),
    ]),
  );
  expect((await licenseOf(sourceId, renewed.publicLicenseKey)).expiresAt).toBe('2031-06-30T00:00:00.000Z');
  expect(await sourceStatus(sourceId)).toMatchObject({ status: 'ok' });
});

it('R4, R23: access to a company taken away between the search and License/Detail (403) keeps its licenses, said unread; the sync is not retried as refused credentials', async () => {
  const { fake, sourceId } = await esetSource('ESET NoAccess on detail', { companies: 2 });
  // The other company has no license, so the first License/Detail asked for is this one's.
  const losing = [...fake.companies.keys()][0]!;
  fake.addLicense(losing);
  fake.addLicense(losing);
  expect(await sync(tenure, sourceId)).toMatchObject({ licensesCreated: 2 });

  fake.fail(1, { kind: 'no_access' }, '/License/Detail');
  expect(await sync(tenure, sourceId, 30_000)).toMatchObject({ licensesRemoved: 0, licensesUnchanged: 2, companiesUnread: 1 });
  expect((await sourceStatus(sourceId)).lastSync.unreadCompanies).toEqual([expect.objectContaining({ upstreamId: losing, reason: 'access_denied' })]);
  expect(fake.statuses.get(401)).toBeUndefined();
  expect(await sourceStatus(sourceId)).toMatchObject({ status: 'ok' });
});

it('R4: an account that lists companies but has NoAccess to every one reads no company: the sync fails at once as no_companies and the data stays whole; such credentials are not saved', async () => {
  const { fake, sourceId } = await esetSource('ESET every company refused', { companies: 2, licensesPerCompany: 1 });
  expect(await sync(tenure, sourceId)).toMatchObject({ licensesCreated: 2 });

  for (const company of fake.companies.values()) company.access = 'none';
  const before = await recordFingerprint(tenure);
  expect(await untilSyncEnds(tenure, await startSync(tenure, sourceId), 30_000)).toMatchObject({ status: 'failed', error: expect.stringContaining('R4') });
  expect(await sourceStatus(sourceId)).toMatchObject({ status: 'upstream_unavailable', statusReason: 'no_companies', statusDetail: expect.stringContaining('no access') });
  expect(await recordFingerprint(tenure)).toEqual(before);
  const again = await tenure.api('POST', '/v1/sources', { name: 'ESET every company refused, again', vendor: 'eset_ema2', accountType: 'msp', baseUrl: fake.url, credentials: fake.credentials });
  expect(again).toMatchObject({ status: 422, body: { field: 'credentials', detail: expect.stringContaining('R4') } });

  [...fake.companies.values()][0]!.access = 'read';
  expect(await sync(tenure, sourceId)).toMatchObject({ licensesRemoved: 0, licensesUnchanged: 2, companiesUnread: 1 });
  expect(await sourceStatus(sourceId)).toMatchObject({ status: 'ok' });
});

it("R4: an account refused its own company (403 on its Company/Children) reads no company: the sync fails at once as no_companies, is not retried as refused credentials, and the data stays whole; such credentials are not saved", async () => {
  const { fake, sourceId } = await esetSource('ESET own company refused', { companies: 2, licensesPerCompany: 1 });
  expect(await sync(tenure, sourceId)).toMatchObject({ licensesCreated: 2 });

  fake.rootAccess = 'none';
  const before = await recordFingerprint(tenure);
  const childrenCalls = fake.requests.get('/Company/Children')!;
  expect(await untilSyncEnds(tenure, await startSync(tenure, sourceId), 30_000)).toMatchObject({ status: 'failed', error: expect.stringContaining('R4') });
  expect(await sourceStatus(sourceId)).toMatchObject({ status: 'upstream_unavailable', statusReason: 'no_companies', statusDetail: expect.stringContaining('NoAccess') });
  expect(fake.requests.get('/Company/Children')).toBe(childrenCalls + 1);
  expect(await recordFingerprint(tenure)).toEqual(before);
  const again = await tenure.api('POST', '/v1/sources', { name: 'ESET own company refused, again', vendor: 'eset_ema2', accountType: 'msp', baseUrl: fake.url, credentials: fake.credentials });
  expect(again).toMatchObject({ status: 422, body: { field: 'credentials', detail: expect.stringContaining('R4') } });

  fake.rootAccess = 'read';
  expect(await sync(tenure, sourceId)).toMatchObject({ licensesRemoved: 0, licensesUnchanged: 2 });
  expect(await sourceStatus(sourceId)).toMatchObject({ status: 'ok' });
});

it('R23: a license page that lost its rows (empty while totalCount says more remain) fails the read and is retried; no license is taken for gone', async () => {
  const { fake, sourceId } = await esetSource('ESET lost page', { companies: 1, licensesPerCompany: 3 });
  expect(await sync(tenure, sourceId)).toMatchObject({ licensesCreated: 3 });

  fake.fail(2, { kind: 'empty_page' }, '/Search/Licenses');
  const operationId = await startSync(tenure, sourceId);
  const during = await eventually(() => sourceStatus(sourceId), (source) => source.status === 'upstream_unavailable');
  expect(during).toMatchObject({ statusReason: 'invalid_response' });

  expect(await untilSyncEnds(tenure, operationId)).toMatchObject({ status: 'succeeded', result: { licensesRemoved: 0, licensesUnchanged: 3 } });
  expect(await licensesOfSource(tenure, sourceId)).toHaveLength(3);
});
