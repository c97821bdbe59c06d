// The ESET MSP Administrator 2 connector against its local fake, where ESET's documented answers
// differ from the happy path: an over-used license (state 0 "Error"), .NET dates without offset,
// an odd license record, a company the account has NoAccess to (its own included), a renewal that
// fails, and a page that lost its rows. What cannot be read fails the read; nothing unread is taken
// for gone (R23). The cursor a read gives back stays small however many companies there are, holds
// through companies added or removed upstream, and carries the read's counts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectorFor, UpstreamNoCompanies, type Page } from '../../activities/source/connector.js';
import type { UpstreamCompany, UpstreamGap, UpstreamLicense } from '../../machines/source/upstream.js';
import { startFakeEsetEma2, type EsetFailure, type FakeEsetCompany, type FakeEsetEma2, type FakeEsetOptions } from '../fakes/eset-ema2.js';

const running: FakeEsetEma2[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(running.splice(0).map((fake) => fake.close()));
});

async function started(options: FakeEsetOptions): Promise<FakeEsetEma2> {
  const fake = await startFakeEsetEma2(options);
  running.push(fake);
  return fake;
}

const eset = (fake: FakeEsetEma2) => connectorFor({ vendor: 'eset_ema2', baseUrl: fake.url, credentials: fake.credentials });

async function readAll<Item>(pages: AsyncIterable<Page<Item>>) {
  const items: Item[] = [];
  const gaps: UpstreamGap[] = [];
  for await (const page of pages) {
    items.push(...page.items);
    gaps.push(...page.gaps);
  }
  return { items, gaps };
}

async function licensesByKey(fake: FakeEsetEma2): Promise<Map<string, UpstreamLicense>> {
  const { items } = await readAll(eset(fake).licenses());
  return new Map(items.map((license) => [license.upstreamId, license]));
}

const onlyCompanyOf = (fake: FakeEsetEma2) => [...fake.companies.values()][0]!.publicId;

describe('license states', () => {
  it('an over-used license (state 0 "Error") is in force and flagged; a state ESET adds later is one Tenure cannot tell', async () => {
    const fake = await started({ companies: 1 });
    const overUsed = fake.addLicense(onlyCompanyOf(fake), { state: 0, quantity: 10, usage: 12 });
    const unknown = fake.addLicense(onlyCompanyOf(fake), { state: 7 });

    const read = await licensesByKey(fake);

    expect(read.get(overUsed.publicLicenseKey)).toMatchObject({ upstreamState: 'warning', seats: 10, seatsUsed: 12 });
    expect(read.get(unknown.publicLicenseKey)).toMatchObject({ upstreamState: 'error' });
  });
});

describe('dates', () => {
  it('a date-time without offset and a plain date are UTC, whatever the zone the worker runs in', async () => {
    // Far from UTC: read in the worker's zone, midnight would land on the previous day.
    vi.stubEnv('TZ', 'Pacific/Auckland');
    const fake = await started({ companies: 1 });
    const customer = onlyCompanyOf(fake);
    const dotNet = fake.addLicense(customer, { expirationDate: '2030-01-31T00:00:00' });
    const dotNetTicks = fake.addLicense(customer, { expirationDate: '2030-03-31T12:30:00.1234567' });
    const plainDate = fake.addLicense(customer, { expirationDate: '2030-02-28' });
    const withOffset = fake.addLicense(customer, { expirationDate: '2030-01-31T02:00:00+02:00' });
    const trial = fake.addLicense(customer, { trial: true, trialExpiration: '2026-02-01T00:00:00', expirationDate: null });

    const read = await licensesByKey(fake);

    expect(read.get(dotNet.publicLicenseKey)?.expiresAt).toBe(Date.UTC(2030, 0, 31));
    expect(read.get(dotNetTicks.publicLicenseKey)?.expiresAt).toBe(Date.UTC(2030, 2, 31, 12, 30, 0, 123));
    expect(read.get(plainDate.publicLicenseKey)?.expiresAt).toBe(Date.UTC(2030, 1, 28));
    expect(read.get(withOffset.publicLicenseKey)?.expiresAt).toBe(Date.UTC(2030, 0, 31));
    expect(read.get(trial.publicLicenseKey)).toMatchObject({ term: 'trial', expiresAt: Date.UTC(2026, 1, 1) });
  });

  it.each(['31/01/2030', '2030-02-30', 'January 31, 2030', '2030-01-31T25:00:00', ''])(
    'R23: an expiry EMA2 answers as %j fails the read as an invalid answer; it never makes the license perpetual',
    async (unreadable) => {
      const fake = await started({ companies: 1 });
      fake.addLicense(onlyCompanyOf(fake), { expirationDate: unreadable });
      await expect(readAll(eset(fake).licenses())).rejects.toMatchObject({
        name: 'UpstreamUnavailable',
        reason: 'invalid_response',
        message: expect.stringContaining('expirationDate'),
      });
    },
  );

  it('a license without an end date is perpetual (expiresAt null)', async () => {
    const fake = await started({ companies: 1 });
    const perpetual = fake.addLicense(onlyCompanyOf(fake), { expirationDate: null });
    expect((await licensesByKey(fake)).get(perpetual.publicLicenseKey)?.expiresAt).toBeNull();
  });
});

describe('tolerance of one odd record', () => {
  it('R23: a license answered without productName, quantity, usage or trial is read (none used; its seats untold, so `error`: keep those read before), not the whole source failed', async () => {
    const fake = await started({ companies: 1, licensesPerCompany: 1 });
    const odd = fake.addLicense(onlyCompanyOf(fake), { productCode: '120', productName: null, quantity: null, usage: null, trial: null });
    const plain = fake.addLicense(onlyCompanyOf(fake), { productName: null, usage: null, trial: null });

    const read = await licensesByKey(fake);

    expect(read.size).toBe(3);
    expect(read.get(odd.publicLicenseKey)).toMatchObject({ product: '120', productName: '120', seatsUsed: 0, term: 'monthly', expiresAt: Date.UTC(2030, 0, 31), upstreamState: 'error' });
    expect(read.get(plain.publicLicenseKey)).toMatchObject({ seats: 10, seatsUsed: 0, term: 'monthly', upstreamState: 'normal' });
  });

  it('R23: a company the account has NoAccess to (403) is a gap, kept as it was; the other companies are read', async () => {
    const fake = await started({ companies: 2, licensesPerCompany: 2 });
    const [readable, closed] = [...fake.companies.values()].map((company) => company.publicId) as [string, string];
    fake.companies.get(closed)!.access = 'none';

    const { items, gaps } = await readAll(eset(fake).licenses());

    expect(items.map((license) => license.companyUpstreamId)).toEqual([readable, readable]);
    expect(gaps).toEqual([{ companyUpstreamId: closed, reason: 'access_denied', detail: expect.stringContaining('no access') }]);
  });

  it('R4, R23: access taken away between the search and License/Detail (403) makes the company a gap, its licenses all unread; it is not refused credentials', async () => {
    const fake = await started({ companies: 1, licensesPerCompany: 2 });
    fake.fail(1, { kind: 'no_access' }, '/License/Detail');

    const { items, gaps } = await readAll(eset(fake).licenses());

    expect(items).toEqual([]);
    expect(gaps).toEqual([{ companyUpstreamId: onlyCompanyOf(fake), reason: 'access_denied', detail: expect.stringContaining('no access') }]);
    expect(fake.statuses.get(401)).toBeUndefined();
  });
});

describe('NoAccess on Company/Children', () => {
  it('R4, R23: a company whose children ESET refuses (403 NoAccess) is one gap standing for its subtree; the companies beside it and their sites are read', async () => {
    const fake = await started({ companies: 0 });
    const open = fake.addCompany('Open');
    const openSite = fake.addCompany('Open — Lyon', open.publicId);
    const closed = fake.addCompany('Closed');
    const closedSite = fake.addCompany('Closed — Kraków', closed.publicId);
    const after = fake.addCompany('After');
    for (const company of [open, openSite, closed, closedSite, after]) fake.addLicense(company.publicId);
    closed.access = 'none';

    const companies = await readAll(eset(fake).companies());
    const licenses = await readAll(eset(fake).licenses());

    expect(companies.items.map((company) => company.upstreamId).sort()).toEqual([open, openSite, closed, after].map((company) => company.publicId).sort());
    expect(companies.gaps).toEqual([{ companyUpstreamId: closed.publicId, reason: 'access_denied', detail: expect.stringContaining('no access'), subtreeUnread: true }]);
    expect(licenses.items.map((license) => license.companyUpstreamId).sort()).toEqual([open, openSite, after].map((company) => company.publicId).sort());
    expect(licenses.gaps).toEqual([expect.objectContaining({ companyUpstreamId: closed.publicId, reason: 'access_denied' })]);
    expect(fake.requests.get('/Search/Licenses')).toBe(4);
  });

  it("R4: refused its own company (403 on the Company/Children of /User/Current's company), the account reads no company: UpstreamNoCompanies, not refused credentials", async () => {
    const fake = await started({ companies: 2, licensesPerCompany: 1 });
    fake.rootAccess = 'none';

    await expect(eset(fake).verify()).rejects.toBeInstanceOf(UpstreamNoCompanies);
    await expect(readAll(eset(fake).companies())).rejects.toMatchObject({ name: 'UpstreamNoCompanies', message: expect.stringContaining('R4') });
    await expect(readAll(eset(fake).licenses())).rejects.toBeInstanceOf(UpstreamNoCompanies);
    // The credentials were never refused: only the company was.
    expect(fake.statuses.get(401)).toBeUndefined();
    expect(fake.requests.get('/Search/Licenses')).toBeUndefined();
  });

  it('R4: an account that lists companies but has NoAccess to every one reads no company: verify refuses it; one readable company is enough', async () => {
    const fake = await started({ companies: 3, licensesPerCompany: 1 });
    for (const company of fake.companies.values()) company.access = 'none';

    await expect(eset(fake).verify()).rejects.toMatchObject({ name: 'UpstreamNoCompanies', message: expect.stringContaining('R4') });

    [...fake.companies.values()][2]!.access = 'read';
    expect(await eset(fake).verify()).toEqual({ companiesReadable: 3 });
  });
});

describe('the cursor a read gives back', () => {
  /** Every page of a read with its counts and the cursor it gave back, as the staging activity heartbeats them. */
  async function pagesOf<Item>(pages: AsyncIterable<Page<Item>>) {
    const read: Array<Pick<Page<Item>, 'items' | 'progress' | 'resumeFrom'>> = [];
    for await (const { items, progress, resumeFrom } of pages) read.push({ items, progress, resumeFrom });
    return read;
  }

  it('R23: names at most one page of companies per level of the tree, whether ESET lists a hundred companies or a thousand', async () => {
    const mostCompaniesNamed = async (companies: number) => {
      const fake = await started({ companies });
      const first = [...fake.companies.values()][0]!;
      fake.addLicense(fake.addCompany('Site', first.publicId).publicId);
      const pages = [...(await pagesOf(eset(fake).companies())), ...(await pagesOf(eset(fake).licenses()))];
      return Math.max(...pages.map((page) => page.resumeFrom.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g)?.length ?? 0));
    };
    // Two levels under the account's own company: a page (100) of each, and the three companies on the way down.
    expect(await mostCompaniesNamed(100)).toBeLessThanOrEqual(2 * 100 + 3);
    expect(await mostCompaniesNamed(1_000)).toBeLessThanOrEqual(2 * 100 + 3);
  });

  it('R23: resumes a company walk from any cursor, sites and their sites included, without repeating or skipping a company', async () => {
    const fake = await started({ companies: 130 });
    const [first, second] = [...fake.companies.values()] as [FakeEsetCompany, FakeEsetCompany];
    const site = fake.addCompany('First — Lyon', first.publicId);
    fake.addCompany('First — Lyon — Annex', site.publicId);
    for (let index = 1; index <= 101; index++) fake.addCompany(`Second — site ${index}`, second.publicId);
    fake.addCompany('First — Closed', first.publicId).access = 'none';

    const whole = await pagesOf(eset(fake).companies());
    const ids = (pages: Array<{ items: UpstreamCompany[] }>) => pages.flatMap((page) => page.items.map((company) => company.upstreamId));
    expect(ids(whole).sort()).toEqual([...fake.companies.keys()].sort());
    for (const [index, { resumeFrom }] of whole.entries()) {
      const resumed = await pagesOf(eset(fake).companies(resumeFrom));
      expect(ids([...whole.slice(0, index + 1), ...resumed])).toEqual(ids(whole));
    }
  });

  const shifts: Array<[string, (fake: FakeEsetEma2) => void]> = [
    ['added before it', (fake) => void fake.addLicense(fake.addCompany('Newcomer', undefined, { listedFirst: true }).publicId)],
    [
      'removed before it',
      (fake) => {
        const first = [...fake.companies.values()][0]!;
        fake.companies.delete(first.publicId);
        for (const license of [...fake.licenses.values()].filter((license) => license.customerId === first.publicId)) fake.removeLicense(license.publicLicenseKey);
      },
    ],
  ];
  it.each(shifts)('R23: a license read resumed after a company was %s upstream reads each company it had not read, once: none twice, none skipped (whose licenses would be taken for gone)', async (_shift, shift) => {
    const fake = await started({ companies: 6, licensesPerCompany: 1 });
    const companiesOf = (pages: Array<{ items: UpstreamLicense[] }>) => pages.flatMap((page) => page.items.map((license) => license.companyUpstreamId));
    const whole = await pagesOf(eset(fake).licenses());
    const read = 3;

    shift(fake);
    const resumed = await pagesOf(eset(fake).licenses(whole[read - 1]!.resumeFrom));

    expect(companiesOf(resumed)).toEqual(companiesOf(whole.slice(read)));
  });

  it('carries the counts of the read: one resumed by the next staging call counts on from them, so the progress a sync shows only grows', async () => {
    const fake = await started({ companies: 3, licensesPerCompany: 2 });
    fake.addLicense(fake.addCompany('Site', onlyCompanyOf(fake)).publicId);

    const reads: Array<(from?: string) => AsyncIterable<Page<{ upstreamId: string }>>> = [(from) => eset(fake).companies(from), (from) => eset(fake).licenses(from)];
    for (const read of reads) {
      const whole = await pagesOf(read());
      expect(whole.at(-1)!.progress).toMatchObject({ companiesRead: 4, companiesTotal: 3 });
      for (const [index, { resumeFrom }] of whole.entries()) {
        const resumed = await pagesOf(read(resumeFrom));
        expect(resumed.map((page) => page.progress)).toEqual(whole.slice(index + 1).map((page) => page.progress));
      }
    }
  });
});

describe('token renewal', () => {
  it('renews with the session’s access token as Bearer, as Token/Renew requires, without logging in again', async () => {
    const fake = await started({ companies: 2 });
    const connector = eset(fake);
    await connector.verify();

    fake.expireTokens();
    expect(await connector.verify()).toEqual({ companiesReadable: 2 });

    expect(fake.requests.get('/Token/Renew')).toBe(1);
    expect(fake.requests.get('/Token/Get')).toBe(1);
    // Only the expired token's own 401: the renewal itself was accepted.
    expect(fake.statuses.get(401)).toBe(1);
  });

  const renewalFailures: Array<[string, EsetFailure]> = [
    ['400', { kind: 'bad_request' }],
    ['500', { kind: 'server_error' }],
    ['200 without refreshToken', { kind: 'without_field', field: 'refreshToken' }],
  ];
  it.each(renewalFailures)('a renewal answered %s logs in again, and the read goes on', async (_answer, failure) => {
    const fake = await started({ companies: 3 });
    const connector = eset(fake);
    await connector.verify();

    fake.expireTokens();
    fake.fail(1, failure, '/Token/Renew');
    expect(await connector.verify()).toEqual({ companiesReadable: 3 });

    expect(fake.requests.get('/Token/Renew')).toBe(1);
    expect(fake.requests.get('/Token/Get')).toBe(2);
  });

  it('a renewal answered with maintenance is maintenance: no login is tried while EMA2 is down', async () => {
    const fake = await started({ companies: 1 });
    const connector = eset(fake);
    await connector.verify();

    fake.expireTokens();
    fake.fail(1, { kind: 'maintenance' }, '/Token/Renew');
    await expect(connector.verify()).rejects.toMatchObject({ name: 'UpstreamUnavailable', reason: 'maintenance' });
    expect(fake.requests.get('/Token/Get')).toBe(1);
  });
});

describe('paging', () => {
  it('R23: a license page with no rows while totalCount says more remain fails the read as an invalid answer, not as the last page', async () => {
    const fake = await started({ companies: 2, licensesPerCompany: 2 });
    fake.fail(1, { kind: 'empty_page' }, '/Search/Licenses');
    await expect(readAll(eset(fake).licenses())).rejects.toMatchObject({ name: 'UpstreamUnavailable', reason: 'invalid_response', message: expect.stringContaining('totalCount') });
  });

  it('R23: a company page with no rows while totalCount says more remain fails the read as an invalid answer, not as the last page', async () => {
    const fake = await started({ companies: 2 });
    fake.fail(1, { kind: 'empty_page' }, '/Company/Children');
    await expect(readAll(eset(fake).companies())).rejects.toMatchObject({ name: 'UpstreamUnavailable', reason: 'invalid_response', message: expect.stringContaining('totalCount') });
  });
});
