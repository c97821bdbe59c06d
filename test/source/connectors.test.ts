// Each connector against its local fake (DESIGN §5): full paged reads, token renewal, maintenance,
// rate limits, gaps that are not failures, and R4 when credentials read no company.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectorFor, UpstreamAuthFailed, UpstreamNoCompanies, UpstreamUnavailable, type Page } from '../../activities/source/connector.js';
import type { AccountType } from '../../machines/lifecycle/capabilities.js';
import { importableAccountTypes, type SourceAccountType, type UpstreamGap } from '../../machines/source/upstream.js';
import { startFakeEsetEma2, type FakeEsetEma2 } from '../fakes/eset-ema2.js';
import { startFakeJsonFeed, type FakeJsonFeed } from '../fakes/json-feed.js';
import { startFakeSophosPartner, type FakeSophosPartner } from '../fakes/sophos-partner.js';

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(running.splice(0).map((fake) => fake.close()));
});

async function started<Fake extends { close(): Promise<void> }>(fake: Promise<Fake>): Promise<Fake> {
  running.push(await fake);
  return fake;
}

async function readAll<Item>(pages: AsyncIterable<Page<Item>>) {
  const items: Item[] = [];
  const gaps: UpstreamGap[] = [];
  const cursors: string[] = [];
  for await (const page of pages) {
    items.push(...page.items);
    gaps.push(...page.gaps);
    cursors.push(page.resumeFrom);
  }
  return { items, gaps, cursors };
}

const eset = (fake: FakeEsetEma2, credentials = fake.credentials) => connectorFor({ vendor: 'eset_ema2', baseUrl: fake.url, credentials });
const sophos = (fake: FakeSophosPartner, credentials = fake.credentials) => connectorFor({ vendor: 'sophos_partner', baseUrl: fake.url, credentials });
const feed = (fake: FakeJsonFeed, bearerToken?: string) => connectorFor({ vendor: 'json_feed', baseUrl: fake.url, credentials: { bearerToken } });

it('R3, R13: a source imports exactly the account types the capability table knows, and never a distributor', () => {
  // Fails to compile when either list gains a type the other lacks.
  const sameTypes: [AccountType, SourceAccountType] extends [SourceAccountType, AccountType] ? true : never = true;
  expect(sameTypes).toBe(true);
  expect(importableAccountTypes).not.toContain('distributor');
});

describe('ESET MSP Administrator 2 connector', () => {
  it('reads every company and site and every license, paging by at most 100', async () => {
    const fake = await started(startFakeEsetEma2({ companies: 120, licensesPerCompany: 1 }));
    const big = fake.addCompany('Big Customer');
    for (let count = 0; count < 150; count++) fake.addLicense(big.publicId);
    const site = fake.addCompany('Big Customer — Lyon site', big.publicId);
    const suspendedTrial = fake.addLicense(site.publicId, { state: 3, trial: true, trialExpiration: '2026-02-01T00:00:00Z' });

    const connector = eset(fake);
    const companies = await readAll(connector.companies());
    const licenses = await readAll(connector.licenses());

    expect(companies.items).toHaveLength(122);
    expect(companies.items.find((company) => company.upstreamId === site.publicId)).toMatchObject({ parentUpstreamId: big.publicId, name: site.name });
    expect(companies.items.find((company) => company.upstreamId === big.publicId)?.parentUpstreamId).toBeNull();
    expect(licenses.items).toHaveLength(fake.licenses.size);
    expect(new Set(licenses.items.map((license) => license.upstreamId)).size).toBe(fake.licenses.size);
    expect(licenses.items.find((license) => license.upstreamId === suspendedTrial.publicLicenseKey)).toEqual({
      upstreamId: suspendedTrial.publicLicenseKey,
      companyUpstreamId: site.publicId,
      product: '110',
      productName: 'ESET PROTECT Entry',
      seats: 10,
      seatsUsed: 3,
      term: 'trial',
      expiresAt: Date.parse('2026-02-01T00:00:00Z'),
      upstreamState: 'suspended',
      owner: 'partner',
      poolUpstreamId: null,
    });
    // The fake answers 400 to a take above 100: no such answer means every page kept the limit.
    expect(fake.statuses.get(400)).toBeUndefined();
  });

  it('keeps at most 8 License/Detail calls in flight', async () => {
    const fake = await started(startFakeEsetEma2({ companies: 2, licensesPerCompany: 40, answerDelayMs: 5 }));
    await readAll(eset(fake).licenses());
    expect(fake.requests.get('/License/Detail')).toBe(80);
    expect(fake.peakInFlight.get('/License/Detail')).toBeGreaterThan(1);
    expect(fake.peakInFlight.get('/License/Detail')).toBeLessThanOrEqual(8);
  });

  it('resumes a license read from any page cursor without repeating or skipping a company', async () => {
    const fake = await started(startFakeEsetEma2({ companies: 5, licensesPerCompany: 2 }));
    const whole = await readAll(eset(fake).licenses());
    const cursor = whole.cursors[1]!;
    const firstTwo = (await readAll(eset(fake).licenses())).items.slice(0, 4);
    const rest = await readAll(eset(fake).licenses(cursor));
    expect([...firstTwo, ...rest.items].map((license) => license.upstreamId).sort()).toEqual(whole.items.map((license) => license.upstreamId).sort());
  });

  it('renews a token before it expires, never meeting a 401', async () => {
    const fake = await started(startFakeEsetEma2({ companies: 2, accessTokenLifetimeMs: 60_000 }));
    const connector = eset(fake);
    await connector.verify();
    // The clock of the fake and the connector alike: 50 s into a one-minute token, inside its renewal margin.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 50_000);
    expect(await connector.verify()).toEqual({ companiesReadable: 2 });
    expect(fake.requests.get('/Token/Renew')).toBe(1);
    expect(fake.requests.get('/Token/Get')).toBe(1);
    expect(fake.statuses.get(401)).toBeUndefined();
  });

  it('renews on 401, and logs in again when the renewal is refused', async () => {
    const fake = await started(startFakeEsetEma2({ companies: 3 }));
    const connector = eset(fake);
    await connector.verify();

    fake.expireTokens();
    expect(await connector.verify()).toEqual({ companiesReadable: 3 });
    expect(fake.requests.get('/Token/Renew')).toBe(1);
    expect(fake.requests.get('/Token/Get')).toBe(1);

    fake.expireTokens({ refreshTokens: true });
    expect(await connector.verify()).toEqual({ companiesReadable: 3 });
    expect(fake.requests.get('/Token/Renew')).toBe(2);
    expect(fake.requests.get('/Token/Get')).toBe(2);
  });

  it('answers maintenance (503, code 99, subCode 2) as UpstreamUnavailable, not as an auth failure, and recovers', async () => {
    const fake = await started(startFakeEsetEma2({ companies: 1 }));
    const connector = eset(fake);
    fake.fail(1, { kind: 'maintenance' });
    const failure = await connector.verify().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamUnavailable);
    expect(failure).toMatchObject({ name: 'UpstreamUnavailable', reason: 'maintenance' });
    expect(await connector.verify()).toEqual({ companiesReadable: 1 });
  });

  it('waits out a 429 for as long as Retry-After asks, then reads', async () => {
    const fake = await started(startFakeEsetEma2({ companies: 1 }));
    fake.fail(1, { kind: 'rate_limited', retryAfterSeconds: 1 });
    const started_ = performance.now();
    expect(await eset(fake).verify()).toEqual({ companiesReadable: 1 });
    expect(performance.now() - started_).toBeGreaterThanOrEqual(1000);
    expect(fake.statuses.get(429)).toBe(1);
  });

  it('refuses wrong credentials without repeating them', async () => {
    const fake = await started(startFakeEsetEma2({ companies: 1 }));
    const failure = await eset(fake, { username: fake.credentials.username, password: 'wrong-secret-42' })
      .verify()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamAuthFailed);
    expect(String((failure as Error).message)).not.toContain('wrong-secret-42');
  });

  it('R4: an account that reads no company is refused', async () => {
    const fake = await started(startFakeEsetEma2({ companies: 0 }));
    await expect(eset(fake).verify()).rejects.toBeInstanceOf(UpstreamNoCompanies);
  });

  it('reads what changed upstream between two syncs', async () => {
    const fake = await started(startFakeEsetEma2({ companies: 2, licensesPerCompany: 2 }));
    const [renewed, resized, removed] = [...fake.licenses.keys()] as [string, string, string];
    fake.renewLicense(renewed, '2031-01-31T00:00:00Z');
    fake.setSeats(resized, 50);
    fake.removeLicense(removed);
    const byKey = new Map((await readAll(eset(fake).licenses())).items.map((license) => [license.upstreamId, license]));
    expect(byKey.get(renewed)?.expiresAt).toBe(Date.parse('2031-01-31T00:00:00Z'));
    expect(byKey.get(resized)?.seats).toBe(50);
    expect(byKey.has(removed)).toBe(false);
    expect(byKey.size).toBe(3);
  });

  it('R23: a license removed upstream while its company is searched page by page shifts no other license out of the read', async () => {
    const fake = await started(startFakeEsetEma2({ companies: 1, licensesPerCompany: 0 }));
    const company = [...fake.companies.values()].find((each) => each.parentId === fake.rootCompanyId)!;
    const keys = Array.from({ length: 150 }, () => fake.addLicense(company.publicId).publicLicenseKey);
    // Between the search's first page and its second, a license of the first page goes: the rest move up one row.
    fake.beforePage(({ path, of, skip }) => {
      if (path === '/Search/Licenses' && of === company.publicId && skip === 100 && fake.licenses.has(keys[0]!)) fake.removeLicense(keys[0]!);
    });

    const read = (await readAll(eset(fake).licenses())).items.map((license) => license.upstreamId);

    expect(read.sort()).toEqual(keys.slice(1).sort());
    expect(fake.requests.get('/License/Detail')).toBe(149);
  });

  it('R23: a company whose licenses keep changing while searched fails the read as unavailable, rather than answer a shifted list', async () => {
    const fake = await started(startFakeEsetEma2({ companies: 1, licensesPerCompany: 0 }));
    const company = [...fake.companies.values()].find((each) => each.parentId === fake.rootCompanyId)!;
    for (let count = 0; count < 150; count++) fake.addLicense(company.publicId);
    fake.beforePage(({ path, of, skip }) => {
      if (path === '/Search/Licenses' && of === company.publicId && skip === 100) fake.addLicense(company.publicId);
    });

    const failure = await readAll(eset(fake).licenses()).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(UpstreamUnavailable);
    expect((failure as UpstreamUnavailable).reason).toBe('invalid_response');
    expect((failure as Error).message).toContain('changed its totalCount while read, 3 times in a row');
  });

  it('R23: a company removed while its siblings are paged shifts no other company out of the walk', async () => {
    const fake = await started(startFakeEsetEma2({ companies: 150, licensesPerCompany: 0 }));
    const listed = [...fake.companies.values()].filter((company) => company.parentId === fake.rootCompanyId).map((company) => company.publicId);
    // Between the first page of the account's companies and the second, the first company goes: the rest move up one row.
    fake.beforePage(({ path, of, skip }) => {
      if (path === '/Company/Children' && of === fake.rootCompanyId && skip === 100) fake.companies.delete(listed[0]!);
    });

    const walked = new Set((await readAll(eset(fake).companies())).items.map((company) => company.upstreamId));

    // The one removed was listed while it was there; every other is listed, the one shifted past page 1 included.
    expect([...walked].sort()).toEqual([...listed].sort());
  });

  it('R23: a cancelled company walk (its signal aborted) abandons the Company/Children calls under way and asks for no more', async () => {
    const fake = await started(startFakeEsetEma2({ companies: 30, licensesPerCompany: 0 }));
    fake.companyReads.hold();
    const cancel = new AbortController();
    const reading = readAll(eset(fake).companies(undefined, cancel.signal));
    await vi.waitFor(() => expect(fake.companyReads.held).toBe(1), { timeout: 10_000 });
    // The account's own company answers; the walk then asks for its first company's children and, ahead of it, its next eight's.
    fake.companyReads.release();
    await vi.waitFor(() => expect(fake.companyReads.held).toBe(9), { timeout: 10_000 });

    cancel.abort(new Error('activity cancelled'));

    await expect(reading).rejects.toThrow('activity cancelled');
    await vi.waitFor(() => expect(fake.companyReads.abandoned).toBe(9), { timeout: 10_000 });
    expect(fake.requests.get('/Company/Children')).toBe(10);
  });
});

describe('Sophos Central Partner connector', () => {
  it('R21: reads every tenant page, and each tenant’s licenses on the global host with X-Tenant-ID', async () => {
    const fake = await started(startFakeSophosPartner({ tenants: 130, licensesPerTenant: 2 }));
    const flex = fake.addTenant('Flex Customer', { billingType: 'usage' });
    const flexLicense = fake.addLicense(flex.id, { type: 'usage', quantity: 40, endDate: '2031-01-31', usage: { current: { count: 12, date: '2025-06-01' } } });

    const connector = sophos(fake);
    expect(await connector.verify()).toEqual({ companiesReadable: 131 });
    const companies = await readAll(connector.companies());
    const licenses = await readAll(connector.licenses());

    expect(companies.items).toHaveLength(131);
    // Verifying lists the first page, then again to read one tenant (R4); each read lists both pages.
    expect(fake.requests.get('/global/partner/v1/tenants')).toBe(1 + 1 + 2 + 2);
    expect(licenses.items).toHaveLength(131 * 2 - 1);
    expect(licenses.gaps).toEqual([]);
    // The fake's regional hosts answer 404 for licenses, as Sophos's do.
    expect(fake.requests.get('/global/licenses/v1/licenses')).toBe(1 + 131);
    expect(licenses.items.find((license) => license.upstreamId === flexLicense.id)).toEqual({
      upstreamId: flexLicense.id,
      companyUpstreamId: flex.id,
      product: 'cixa',
      productName: 'Central Intercept X Advanced',
      seats: 40,
      seatsUsed: 12,
      term: 'monthly',
      // Sophos's end date is a whole day: the license protects until that day ends (UTC).
      expiresAt: Date.parse('2031-01-31T23:59:59.999Z'),
      upstreamState: 'normal',
      owner: 'partner',
      poolUpstreamId: null,
    });
  });

  it('R23: reads a trial tenant without apiHost like any other; a tenant refusing partner assistance is a gap', async () => {
    const fake = await started(startFakeSophosPartner({ tenants: 2, licensesPerTenant: 1 }));
    const trial = fake.addTenant('Trial Customer', { billingType: 'trial', dataRegion: null });
    const trialLicense = fake.addLicense(trial.id, { type: 'trial' });
    const closed = fake.addTenant('Private Customer', { partnerAssistance: false });
    fake.addLicense(closed.id);

    const connector = sophos(fake);
    const companies = await readAll(connector.companies());
    const licenses = await readAll(connector.licenses());

    expect(companies.items.map((company) => company.upstreamId)).toEqual(expect.arrayContaining([trial.id, closed.id]));
    expect(licenses.items).toHaveLength(3);
    expect(licenses.items.find((license) => license.upstreamId === trialLicense.id)).toMatchObject({ companyUpstreamId: trial.id, term: 'trial' });
    expect(licenses.gaps).toEqual([{ companyUpstreamId: closed.id, reason: 'access_denied', detail: expect.stringContaining('partner assistance') }]);
  });

  it('R23: a license read resumed by a new run reads the tenants its cursor names with their billing type, though that run did not list them', async () => {
    const fake = await started(startFakeSophosPartner({ tenants: 1, licensesPerTenant: 1 }));
    const flex = fake.addTenant('Flex Customer', { billingType: 'usage' });
    const flexLicense = fake.addLicense(flex.id, { type: 'usage' });
    const afterFirst = (await readAll(sophos(fake).licenses())).cursors[0]!;

    const resumed = await readAll(sophos(fake).licenses(afterFirst));

    expect(resumed.items).toEqual([expect.objectContaining({ upstreamId: flexLicense.id, companyUpstreamId: flex.id, term: 'monthly', owner: 'partner' })]);
  });

  it('R23: a tenant removed while the tenants are paged shifts no other tenant out of the read', async () => {
    const fake = await started(startFakeSophosPartner({ tenants: 5, licensesPerTenant: 1, pageSize: 2 }));
    const [leaving, ...staying] = [...fake.tenants.keys()] as [string, ...string[]];
    // Gone right after the first page lists it: the tenants after it move up one place.
    fake.removeTenantAfterListing(leaving);

    const read = await readAll(sophos(fake).licenses());

    expect(new Set(read.items.map((license) => license.companyUpstreamId))).toEqual(new Set(staying));
    expect(read.gaps).toEqual([expect.objectContaining({ companyUpstreamId: leaving, reason: 'company_gone' })]);
  });

  it('R23: tenants that keep changing while paged fail the read as unavailable, rather than answer a shifted list', async () => {
    const fake = await started(startFakeSophosPartner({ tenants: 12, pageSize: 2 }));
    // Every tenant goes right after a page lists it: each walk's first page changes the count under it.
    for (const tenant of fake.tenants.keys()) fake.removeTenantAfterListing(tenant);

    await expect(readAll(sophos(fake).companies())).rejects.toMatchObject({
      name: 'UpstreamUnavailable',
      reason: 'invalid_response',
      message: expect.stringContaining('changed its pages.items while read, 3 times in a row'),
    });
  });

  it('R23: a tenant removed between listing and reading is a gap, not a failed read', async () => {
    const fake = await started(startFakeSophosPartner({ tenants: 2, licensesPerTenant: 1 }));
    const leaving = fake.addTenant('Leaving Customer');
    fake.addLicense(leaving.id);
    fake.removeTenantAfterListing(leaving.id);

    const licenses = await readAll(sophos(fake).licenses());

    expect(licenses.items).toHaveLength(2);
    expect(licenses.gaps).toEqual([{ companyUpstreamId: leaving.id, reason: 'company_gone', detail: expect.stringContaining('no longer') }]);
  });

  it('R23: an end date that cannot be read fails the read as invalid_response, never a license without end', async () => {
    for (const endDate of ['31/01/2031', '2031-02-30', 'soon']) {
      const fake = await started(startFakeSophosPartner({ tenants: 1 }));
      fake.addLicense([...fake.tenants.keys()][0]!, { endDate });
      await expect(readAll(sophos(fake).licenses()), endDate).rejects.toMatchObject({ name: 'UpstreamUnavailable', reason: 'invalid_response', message: expect.stringContaining('endDate') });
    }
  });

  it('R23: a 404 on the licenses of a tenant Sophos still lists fails the read instead of hiding its licenses', async () => {
    const fake = await started(startFakeSophosPartner({ tenants: 2, licensesPerTenant: 1 }));
    fake.fail(1, { status: 404, path: '/global/licenses/v1/licenses' });
    await expect(readAll(sophos(fake).licenses())).rejects.toMatchObject({ name: 'UpstreamUnavailable', reason: 'invalid_response' });
  });

  it('R21: reaches the hosts Sophos documents through a baseUrl that is not Sophos’s own (a fake, a proxy)', async () => {
    const fake = await started(startFakeSophosPartner({ tenants: 3, licensesPerTenant: 1, hosts: 'documented' }));
    const licenses = await readAll(sophos(fake).licenses());
    expect(licenses.items).toHaveLength(3);
    expect(fake.requests.get('/partner/v1/tenants')).toBe(1);
    expect(fake.requests.get('/licenses/v1/licenses')).toBe(3);
  });

  it('R23: reads the fields Sophos may leave out: no usage count is 0 used, and no quantity is seats it cannot tell, never 0', async () => {
    const fake = await started(startFakeSophosPartner());
    const tenant = fake.addTenant('Customer');
    const uncounted = fake.addLicense(tenant.id, { usage: { current: { date: '2026-12-01' } } });
    const unsized = fake.addLicense(tenant.id);
    delete unsized.quantity;

    const byId = new Map((await readAll(sophos(fake).licenses())).items.map((license) => [license.upstreamId, license]));

    expect(byId.get(uncounted.id)).toMatchObject({ seats: 25, seatsUsed: 0, upstreamState: 'normal' });
    // `error`: the vendor cannot tell, so the sync keeps the seats it read before (machines/source/upstream.ts).
    expect(byId.get(unsized.id)).toMatchObject({ upstreamState: 'error' });
    expect(byId.get(unsized.id)?.seats).not.toBe(0);
  });

  it('R23: once reading stops (the activity gave back its cursor), the reads under way are abandoned and those queued never sent', async () => {
    const fake = await started(startFakeSophosPartner({ tenants: 20, licensesPerTenant: 1 }));
    fake.licenseReads.hold();
    const pages = sophos(fake).licenses()[Symbol.asyncIterator]();
    const first = pages.next();
    await vi.waitFor(() => expect(fake.licenseReads.held).toBe(8), { timeout: 10_000 });
    fake.licenseReads.release(1);
    expect((await first).value?.items).toHaveLength(1);
    // The ninth tenant's read took the slot the first left.
    await vi.waitFor(() => expect(fake.licenseReads.held).toBe(8), { timeout: 10_000 });

    await pages.return?.();

    await vi.waitFor(() => expect(fake.licenseReads.abandoned).toBe(8), { timeout: 10_000 });
    expect(fake.requests.get('/global/licenses/v1/licenses')).toBe(9);
  });

  it('asks for a new token when the old one is refused, and before one expires', async () => {
    const fake = await started(startFakeSophosPartner({ tenants: 1 }));
    const connector = sophos(fake);
    await connector.verify();
    fake.expireTokens();
    await connector.verify();
    expect(fake.requests.get('/api/v2/oauth2/token')).toBe(2);
    expect(fake.statuses.get(401)).toBe(1);

    // 56 minutes into an hour-long token: the connector asks for a new one before the old one is refused.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 56 * 60_000);
    await connector.verify();
    expect(fake.requests.get('/api/v2/oauth2/token')).toBe(3);
    expect(fake.statuses.get(401)).toBe(1);
  });

  it('backs off on 429 and then reads', async () => {
    const fake = await started(startFakeSophosPartner({ tenants: 1 }));
    fake.fail(2, { status: 429, retryAfterSeconds: 0 });
    expect(await sophos(fake).verify()).toEqual({ companiesReadable: 1 });
    expect(fake.statuses.get(429)).toBe(2);
  });

  it('answers a 503 as UpstreamUnavailable and wrong credentials as UpstreamAuthFailed, naming no secret', async () => {
    const fake = await started(startFakeSophosPartner({ tenants: 1 }));
    fake.fail(1, { status: 503 });
    await expect(sophos(fake).verify()).rejects.toMatchObject({ name: 'UpstreamUnavailable', reason: 'server_error' });
    const failure = await sophos(fake, { clientId: fake.credentials.clientId, clientSecret: 'not-the-secret-7' })
      .verify()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamAuthFailed);
    expect(String((failure as Error).message)).not.toContain('not-the-secret-7');
  });

  it('R4: a partner with no tenant is refused', async () => {
    const fake = await started(startFakeSophosPartner({ tenants: 0 }));
    await expect(sophos(fake).verify()).rejects.toBeInstanceOf(UpstreamNoCompanies);
  });

  it('R4: a partner every tenant of which refuses partner assistance (403) reads no company and is refused; one tenant it may read is enough', async () => {
    const fake = await started(startFakeSophosPartner({ tenants: 0 }));
    const tenants = [fake.addTenant('Private One', { partnerAssistance: false }), fake.addTenant('Private Two', { partnerAssistance: false })];

    await expect(sophos(fake).verify()).rejects.toMatchObject({ name: 'UpstreamNoCompanies', message: expect.stringContaining('R4') });

    tenants[1]!.partnerAssistance = true;
    expect(await sophos(fake).verify()).toEqual({ companiesReadable: 2 });
  });
});

describe('JSON feed connector', () => {
  it('reads 10,000 licenses over linked pages', async () => {
    const fake = await started(startFakeJsonFeed({ companies: 100, licensesPerCompany: 100, pageSize: 1000 }));
    const connector = feed(fake);
    const companies = await readAll(connector.companies());
    const licenses = await readAll(connector.licenses());
    expect(companies.items).toHaveLength(100);
    expect(licenses.items).toHaveLength(10_000);
    expect(licenses.cursors).toHaveLength(10);
    expect(licenses.items[0]).toEqual({
      upstreamId: 'company-1-license-1',
      companyUpstreamId: 'company-1',
      product: 'eps',
      productName: 'Endpoint Protection Standard',
      seats: 10,
      seatsUsed: 4,
      term: 'annual',
      expiresAt: Date.parse('2030-06-30T00:00:00Z'),
      upstreamState: 'normal',
      owner: 'partner',
      poolUpstreamId: null,
    });
  });

  it('resumes from a page cursor', async () => {
    const fake = await started(startFakeJsonFeed({ companies: 10, licensesPerCompany: 3, pageSize: 7 }));
    const whole = await readAll(feed(fake).licenses());
    const rest = await readAll(feed(fake).licenses(whole.cursors[1]));
    expect(rest.items).toEqual(whole.items.slice(14));
  });

  it('reads subscriptions when the feed lists them', async () => {
    const fake = await started(startFakeJsonFeed({ companies: 1 }));
    fake.subscriptions.push({ id: 'order-1', companyId: 'company-1', product: 'EPS', productName: 'Endpoint', quantity: 25, term: 'monthly', startsAt: '2025-01-01T00:00:00Z', endsAt: null, status: 'active' });
    const subscriptions = await readAll(feed(fake).subscriptions!());
    expect(subscriptions.items).toEqual([{ upstreamId: 'order-1', companyUpstreamId: 'company-1', product: 'eps', productName: 'Endpoint', quantity: 25, term: 'monthly', startsAt: Date.parse('2025-01-01T00:00:00Z'), endsAt: null, status: 'active' }]);
  });

  it('sends its bearer token, and a refused one is UpstreamAuthFailed', async () => {
    const fake = await started(startFakeJsonFeed({ companies: 2, bearerToken: 'feed-token-1' }));
    expect(await feed(fake, 'feed-token-1').verify()).toEqual({ companiesReadable: 2 });
    await expect(feed(fake).verify()).rejects.toBeInstanceOf(UpstreamAuthFailed);
  });

  it('backs off on 429, and reports 503 as UpstreamUnavailable', async () => {
    const fake = await started(startFakeJsonFeed({ companies: 1 }));
    fake.fail(1, { status: 429, retryAfterSeconds: 0 });
    expect(await feed(fake).verify()).toEqual({ companiesReadable: 1 });
    fake.fail(1, { status: 503 });
    await expect(feed(fake).verify()).rejects.toMatchObject({ name: 'UpstreamUnavailable', reason: 'server_error' });
  });

  it('names the field of a document that does not follow the format', async () => {
    const fake = await started(startFakeJsonFeed({ companies: 1, licensesPerCompany: 1 }));
    fake.license('company-1-license-1').term = 'yearly' as 'annual';
    await expect(readAll(feed(fake).licenses())).rejects.toMatchObject({ reason: 'invalid_response', message: expect.stringContaining('licenses.0.term') });
  });

  it('R4: a feed that lists no company is refused', async () => {
    const fake = await started(startFakeJsonFeed({ companies: 0 }));
    await expect(feed(fake).verify()).rejects.toBeInstanceOf(UpstreamNoCompanies);
  });
});

/** Each vendor read per company, eight license reads in flight: a Sophos tenant's licenses, or ESET's License/Detail of one license. */
const cancellable = [
  ['Sophos', async () => {
    const fake = await started(startFakeSophosPartner({ tenants: 20, licensesPerTenant: 1 }));
    return { fake, read: sophos(fake), licensePath: '/global/licenses/v1/licenses' };
  }],
  ['ESET', async () => {
    const fake = await started(startFakeEsetEma2({ companies: 3, licensesPerCompany: 20 }));
    return { fake, read: eset(fake), licensePath: '/License/Detail' };
  }],
] as const;

it.each(cancellable)('R23: %s: a cancelled read (its signal aborted) abandons the license reads under way and sends none of those queued', async (_vendor, setUp) => {
  const { fake, read, licensePath } = await setUp();
  fake.licenseReads.hold();
  const cancel = new AbortController();
  const reading = readAll(read.licenses(undefined, cancel.signal));
  await vi.waitFor(() => expect(fake.licenseReads.held).toBe(8), { timeout: 10_000 });

  cancel.abort(new Error('activity cancelled'));

  await expect(reading).rejects.toThrow('activity cancelled');
  await vi.waitFor(() => expect(fake.licenseReads.abandoned).toBe(8), { timeout: 10_000 });
  expect(fake.requests.get(licensePath)).toBe(8);
});
