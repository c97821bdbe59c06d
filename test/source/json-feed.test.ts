// A JSON feed source (activities/source/json-feed.md): business licenses keep their upstream
// pools (R6), hybrid credentials sync both halves (R24), new licenses land where their pool is
// now (R7), and the customers' orders are readable (M27).
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sourceLicenses } from '../../db/schema.js';
import { startFakeJsonFeed, type FakeJsonFeed } from '../fakes/json-feed.js';
import { startTenure, type Tenure } from '../support/tenure.js';
import { createAccessGroup, startMove, untilOperation } from '../pool/helpers.js';
import { createSource, licensesOfSource, startSync, sync, untilSyncEnds } from './helpers.js';
import { createAccount, untilAccount } from '../support/setup.js';

let tenure: Tenure;
let feed: FakeJsonFeed;
beforeAll(async () => {
  [tenure, feed] = await Promise.all([startTenure(), startFakeJsonFeed({ companies: 2, licensesPerCompany: 2, pageSize: 1 })]);
  feed.licenses[0]!.poolId = 'POOL-A';
  feed.licenses[1]!.poolId = 'POOL-A';
  feed.licenses[2]!.poolId = 'POOL-B';
  feed.subscriptions.push({ id: 'ORDER-1', companyId: 'company-1', product: 'EPS', productName: 'Endpoint Protection Standard', quantity: 25, term: 'monthly', startsAt: '2025-01-01T00:00:00Z', endsAt: null, status: 'active' });
});
afterAll(async () => {
  await Promise.all([tenure?.close(), feed?.close()]);
});

const feedSource = (fields: Record<string, unknown>) => createSource(tenure, { vendor: 'json_feed', baseUrl: feed.url, credentials: {}, ...fields });
/** The Tenure license a source made of an upstream license. */
async function linkedLicense(sourceId: string, upstreamId: string) {
  const [link] = await tenure.db.select().from(sourceLicenses).where(and(eq(sourceLicenses.sourceId, sourceId), eq(sourceLicenses.upstreamId, upstreamId)));
  return (await tenure.api('GET', `/v1/licenses/${link!.licenseId}`)).body;
}
const poolsOf = (licenses: { poolId: string }[]) => new Set(licenses.map((license) => license.poolId));

it('R6: business licenses keep their upstream pools', async () => {
  const sourceId = await feedSource({ name: 'Business feed', accountType: 'business' });
  expect(await sync(tenure, sourceId)).toMatchObject({ companiesCreated: 2, licensesCreated: 4 });
  const licenses = await licensesOfSource(tenure, sourceId);
  expect(licenses.every((license) => license.accountType === 'business')).toBe(true);
  // POOL-A (two licenses of company 1), POOL-B, and company 2's own pool for its license without one.
  expect(poolsOf(licenses).size).toBe(3);
  const pools = (await tenure.api('GET', '/v1/pools')).body.data as { id: string; name: string }[];
  expect(pools.map((pool) => pool.name)).toEqual(expect.arrayContaining(['POOL-A · Business feed', 'POOL-B · Business feed']));
});

it('R24: hybrid credentials sync both accounts: business licenses keep upstream pools, msp ones get one pool per company', async () => {
  const sourceId = await feedSource({ name: 'Hybrid feed', accountType: 'msp', hybrid: true });
  await sync(tenure, sourceId);
  const licenses = await licensesOfSource(tenure, sourceId);
  const business = licenses.filter((license) => license.accountType === 'business');
  const msp = licenses.filter((license) => license.accountType === 'msp');
  expect(business).toHaveLength(3);
  expect(msp).toHaveLength(1);
  expect(poolsOf(business).size).toBe(2);
});

it('R7: after its pool moved, a new license synced lands where the pool is now', async () => {
  const sourceId = await feedSource({ name: 'Moving feed', accountType: 'msp' });
  await sync(tenure, sourceId);
  const [first] = (await licensesOfSource(tenure, sourceId)).filter((license) => license.tag === 'Company 1');
  const target = await createAccessGroup(tenure, 'Moved customers');
  await untilOperation(tenure, await startMove(tenure, first.poolId, target), 'succeeded');
  feed.licenses.push({ ...feed.licenses[0]!, id: 'company-1-license-new', poolId: null });
  expect(await sync(tenure, sourceId)).toMatchObject({ licensesCreated: 1 });
  const added = (await licensesOfSource(tenure, sourceId)).find((license) => license.id !== first.id && license.poolId === first.poolId && license.accessGroupId === target);
  expect(added).toBeTruthy();
  feed.licenses.pop();
});

it("M27: a company's orders are readable", async () => {
  const companies = (await tenure.api('GET', '/v1/companies?limit=200')).body.data as { id: string; name: string }[];
  const company = companies.find((candidate) => candidate.name === 'Company 1')!;
  const subscriptions = (await tenure.api('GET', `/v1/companies/${company.id}/subscriptions`)).body.data;
  expect(subscriptions).toEqual([expect.objectContaining({ id: 'ORDER-1', quantity: 25, term: 'monthly', startsAt: '2025-01-01T00:00:00.000Z', endsAt: null })]);
});

it('R13, DESIGN §5: a business license cannot be renewed here, but one renewed upstream is renewed through the machine’s upstream event', async () => {
  const sourceId = await feedSource({ name: 'Renewing business feed', accountType: 'business' });
  await sync(tenure, sourceId);
  const upstream = feed.licenses[3]!;
  const license = await linkedLicense(sourceId, upstream.id);
  const refused = await tenure.api('POST', `/v1/licenses/${license.id}/renew`, { duration: 'P1Y', basis: 'from_expiry' });
  expect(refused.status).toBe(409);
  expect(refused.body.detail).toContain('R13');

  const expiresAtBefore = upstream.expiresAt;
  upstream.expiresAt = '2032-06-30T00:00:00Z';
  try {
    expect(await sync(tenure, sourceId)).toMatchObject({ licensesUpdated: 1, licensesUnchanged: 3 });
  } finally {
    upstream.expiresAt = expiresAtBefore;
  }
  const renewed = (await tenure.api('GET', `/v1/licenses/${license.id}`)).body;
  expect(renewed).toMatchObject({ state: 'active', expiresAt: '2032-06-30T00:00:00.000Z' });
  expect(Date.parse(renewed.nextDeadline.at)).toBeGreaterThan(Date.parse('2032-01-01T00:00:00Z'));
  const audit = (await tenure.api('GET', `/v1/audit?subject=${license.id}`)).body.data as { action: string; actor: string }[];
  expect(audit).toContainEqual(expect.objectContaining({ action: 'license.renewed_upstream', actor: `source:${sourceId}` }));
});

it('DESIGN §5: seats changed upstream re-allocate the accounts drawing on the license', async () => {
  const sourceId = await feedSource({ name: 'Resizing feed', accountType: 'msp' });
  await sync(tenure, sourceId);
  const upstream = feed.licenses[2]!;
  const license = await linkedLicense(sourceId, upstream.id);
  const account = await createAccount(tenure, { companyId: license.companyId, product: license.product, seatsRequested: 40 });
  const before = await untilAccount(tenure, account.id, (current) => current.seatsAllocated > 0);
  expect(before.overage).toBeGreaterThan(0);

  const seatsBefore = upstream.seats;
  upstream.seats = 100;
  try {
    expect(await sync(tenure, sourceId)).toMatchObject({ licensesUpdated: 1 });
  } finally {
    upstream.seats = seatsBefore;
  }
  expect((await tenure.api('GET', `/v1/licenses/${license.id}`)).body.seats).toBe(100);
  const after = await untilAccount(tenure, account.id, (current) => current.overage === 0);
  expect(after.seatsAllocated).toBe(40);
});

it('R23: a page that does not follow the format fails the sync at once, naming the field, and the previous data stays whole; the next sync after the fix succeeds', async () => {
  const sourceId = await feedSource({ name: 'Feed with a bad page', accountType: 'msp' });
  expect(await sync(tenure, sourceId)).toMatchObject({ licensesCreated: 4 });
  const license = feed.licenses[1]!;
  const term = license.term;
  (license as { term: string }).term = 'weekly';
  try {
    // Within seconds, not the half hour an upstream in maintenance is given.
    const failed = await untilSyncEnds(tenure, await startSync(tenure, sourceId), 30_000);
    // The field as its page numbers it: this feed serves one license a page.
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringContaining('licenses.0.term') });
    expect((await tenure.api('GET', `/v1/sources/${sourceId}`)).body).toMatchObject({ status: 'upstream_unavailable', statusReason: 'invalid_response' });
    expect(await licensesOfSource(tenure, sourceId)).toHaveLength(4);
  } finally {
    license.term = term;
  }
  expect(await sync(tenure, sourceId)).toMatchObject({ licensesRemoved: 0, licensesUnchanged: 4 });
  expect((await tenure.api('GET', `/v1/sources/${sourceId}`)).body).toMatchObject({ status: 'ok' });
});

it('R4: a feed URL that answers but is no feed (404, a page of another shape) is a 422 naming baseUrl; a feed down for now (503) is a 503 to retry; nothing is saved', async () => {
  const named = async (name: string, baseUrl: string) => tenure.api('POST', '/v1/sources', { name, vendor: 'json_feed', accountType: 'msp', baseUrl, credentials: {} });
  const missing = await named('Feed at a wrong path', new URL('/no-such-feed.json', feed.url).href);
  expect(missing).toMatchObject({ status: 422, body: { field: 'baseUrl', detail: expect.stringContaining('404') } });

  feed.fail(1, { status: 503 });
  const down = await named('Feed down', feed.url);
  expect(down).toMatchObject({ status: 503, body: { code: 'upstream_unavailable' } });

  const names = (await tenure.api('GET', '/v1/sources')).body.data.map((source: { name: string }) => source.name);
  expect(names).not.toContain('Feed at a wrong path');
  expect(names).not.toContain('Feed down');
});
