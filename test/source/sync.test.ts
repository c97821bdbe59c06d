// Sources and their sync against the local vendor fakes, through the API and a real Temporal and
// PostgreSQL: what a first sync imports (R6, R8, R22), that a resync with no upstream change
// writes nothing, renewals and removals upstream, maintenance (R23), and the refusals (R3, R4).
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { sourceCompanies, sourceLicenses } from '../../db/schema.js';
import { licenseWorkflowId } from '../../machines/license/contract.js';
import { SYNC_WORKFLOW_TYPE, syncWorkflowId, type SyncInput } from '../../machines/source/sync.js';
import type { SyncOptions } from '../../workflows/source/sync.js';
import { startFakeEsetEma2, type FakeEsetEma2 } from '../fakes/eset-ema2.js';
import { startFakeSophosPartner, type FakeSophosPartner } from '../fakes/sophos-partner.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { createSource, licensesOfSource, recordFingerprint, startSync, sync, untilSyncEnds } from './helpers.js';

let tenure: Tenure;
let eset: FakeEsetEma2;
let sophos: FakeSophosPartner;
beforeAll(async () => {
  [tenure, eset, sophos] = await Promise.all([startTenure(), startFakeEsetEma2({ companies: 2, licensesPerCompany: 3 }), startFakeSophosPartner({ tenants: 2, licensesPerTenant: 2 })]);
});
afterAll(async () => {
  await Promise.all([tenure?.close(), eset?.close(), sophos?.close()]);
});

const esetSource = (fake: FakeEsetEma2, fields: Record<string, unknown> = {}) =>
  createSource(tenure, { name: 'ESET MSP', vendor: 'eset_ema2', baseUrl: fake.url, credentials: fake.credentials, ...fields });

describe('R3, R4: a source is verified before it is saved', () => {
  it('R3: a distributor account answers 422 naming R3', async () => {
    const answer = await tenure.api('POST', '/v1/sources', { name: 'Distributor', vendor: 'eset_ema2', accountType: 'distributor', baseUrl: eset.url, credentials: eset.credentials });
    expect(answer.status).toBe(422);
    expect(answer.body.field).toBe('accountType');
    expect(answer.body.detail).toMatch(/R3/);
  });

  it('R4: credentials that read no company answer 422 naming R4, and nothing is saved', async () => {
    const empty = await startFakeEsetEma2({ companies: 0 });
    try {
      const answer = await tenure.api('POST', '/v1/sources', { name: 'Empty', vendor: 'eset_ema2', accountType: 'msp', baseUrl: empty.url, credentials: empty.credentials });
      expect(answer.status).toBe(422);
      expect(answer.body.field).toBe('credentials');
      expect(answer.body.detail).toMatch(/R4/);
      expect((await tenure.api('GET', '/v1/sources')).body.data.map((source: { name: string }) => source.name)).not.toContain('Empty');
    } finally {
      await empty.close();
    }
  });

  it('refused credentials answer 422 naming credentials; a vendor field missing is named', async () => {
    const wrong = await tenure.api('POST', '/v1/sources', { name: 'Wrong', vendor: 'eset_ema2', accountType: 'msp', baseUrl: eset.url, credentials: { ...eset.credentials, password: 'nope' } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.field).toBe('credentials');
    const missing = await tenure.api('POST', '/v1/sources', { name: 'Missing', vendor: 'eset_ema2', accountType: 'msp', baseUrl: eset.url, credentials: { username: 'x' } });
    expect(missing.status).toBe(422);
    expect(missing.body.field).toBe('credentials.password');
    // Another vendor's credentials, a feed without its URL, no vendor: each named, nothing saved.
    const sophosKeys = await tenure.api('POST', '/v1/sources', { name: 'Crossed', vendor: 'eset_ema2', accountType: 'msp', baseUrl: eset.url, credentials: { clientId: 'x', clientSecret: 'y' } });
    expect(sophosKeys).toMatchObject({ status: 422, body: { field: 'credentials.username' } });
    const feedWithoutUrl = await tenure.api('POST', '/v1/sources', { name: 'Feed', vendor: 'json_feed', accountType: 'msp', credentials: {} });
    expect(feedWithoutUrl).toMatchObject({ status: 422, body: { field: 'baseUrl' } });
    const noVendor = await tenure.api('POST', '/v1/sources', { name: 'Nobody', accountType: 'msp', credentials: {} });
    expect(noVendor).toMatchObject({ status: 422, body: { field: 'vendor' } });
    const names = (await tenure.api('GET', '/v1/sources')).body.data.map((source: { name: string }) => source.name);
    for (const refused of ['Crossed', 'Feed', 'Nobody']) expect(names).not.toContain(refused);
  });

  it('a saved source never shows its credentials, has a daily Temporal Schedule, and has never synced', async () => {
    const sourceId = await esetSource(eset, { name: 'Shown' });
    const answer = await tenure.api('GET', `/v1/sources/${sourceId}`);
    expect(answer.body).toMatchObject({ status: 'never_synced', lastSync: null, vendor: 'eset_ema2', accountType: 'msp' });
    expect(JSON.stringify(answer.body)).not.toContain(eset.credentials.password);
    // Daily at the time it was saved, first a day later: not beside the sync asked for on creation.
    expect(Date.parse(answer.body.nextSyncAt) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect(Date.parse(answer.body.nextSyncAt) - Date.now()).toBeLessThanOrEqual(86_400_000);
    const schedule = await tenure.client.schedule.getHandle(answer.body.scheduleId).describe();
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'scheduledSync' });
  });
});

describe('R21, R22, R6, R8: the first sync imports companies and licenses', () => {
  let sourceId: string;
  let firstSync: Record<string, number>;
  let idle: { publicId: string; name: string };
  beforeAll(async () => {
    idle = eset.addCompany('Idle Company');
    sourceId = await esetSource(eset, { name: 'ESET first' });
    firstSync = await sync(tenure, sourceId);
  });

  it('counts what it created: every company, every license', () => {
    expect(firstSync).toMatchObject({ companiesCreated: 3, licensesCreated: 6, licensesUpdated: 0, licensesRemoved: 0, licensesUnchanged: 0 });
    expect(firstSync.rowsWritten).toBeGreaterThan(0);
  });

  it('R6, R8: msp licenses land one pool per company, tagged with the company name, and carry their source', async () => {
    const licenses = await licensesOfSource(tenure, sourceId);
    expect(licenses).toHaveLength(6);
    const companies = (await tenure.api('GET', '/v1/companies?limit=200')).body.data as { id: string; name: string }[];
    const nameOf = new Map(companies.map((company) => [company.id, company.name]));
    const poolOf = new Map<string, string>();
    for (const license of licenses) {
      expect(license.tag).toBe(nameOf.get(license.companyId));
      expect(license.sourceId).toBe(sourceId);
      expect(license.accessGroupId).toBeTruthy();
      if (poolOf.has(license.companyId)) expect(license.poolId).toBe(poolOf.get(license.companyId));
      poolOf.set(license.companyId, license.poolId);
    }
    expect(new Set(poolOf.values()).size).toBe(2);
  });

  it('starts each new license eagerly on the sync\'s own worker: answered by the workflow, no Update in its history', async () => {
    const [license] = await licensesOfSource(tenure, sourceId);
    const history = await tenure.client.workflow.getHandle(licenseWorkflowId(license!.id)).fetchHistory();
    const types = (history.events ?? []).map((event) => event.eventType);
    expect(types).toContain(temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    expect(types).not.toContain(temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
  });

  it('R22: a company without licenses joins the tree only, with no pool, and keeps its console link (M26)', async () => {
    const companies = (await tenure.api('GET', '/v1/companies?limit=200')).body.data as { id: string; name: string }[];
    const joined = companies.find((company) => company.name === idle.name);
    expect(joined).toBeTruthy();
    const pools = (await tenure.api('GET', '/v1/pools')).body.data as { name: string }[];
    expect(pools.some((pool) => pool.name.startsWith(idle.name))).toBe(false);
    const upstream = (await tenure.api('GET', `/v1/companies/${joined!.id}/upstream`)).body.data;
    expect(upstream).toEqual([expect.objectContaining({ sourceId, upstreamId: idle.publicId, consoleUrl: expect.stringMatching(/^https:\/\//) })]);
  });

  it('the sync is listed with its counts and duration, and the source is ok', async () => {
    const syncs = (await tenure.api('GET', `/v1/sources/${sourceId}/syncs`)).body.data;
    expect(syncs[0]).toMatchObject({ status: 'succeeded', trigger: 'manual', counts: { licensesCreated: 6 } });
    expect(syncs[0].durationMs).toBeGreaterThan(0);
    const source = (await tenure.api('GET', `/v1/sources/${sourceId}`)).body;
    expect(source).toMatchObject({ status: 'ok', statusReason: null, lastSync: { operationId: syncs[0].operationId } });
  });

  it('a resync with no upstream change writes zero rows: by its count and in the database', async () => {
    const before = await recordFingerprint(tenure);
    const counts = await sync(tenure, sourceId);
    expect(counts).toMatchObject({ companiesCreated: 0, licensesCreated: 0, licensesUpdated: 0, licensesRemoved: 0, licensesUnchanged: 6, rowsWritten: 0 });
    expect(await recordFingerprint(tenure)).toEqual(before);
  });

  it('R8: a company renamed upstream is renamed; its licenses keep the tag of their first import', async () => {
    const company = [...eset.companies.values()].find((candidate) => candidate.name === 'Company 1')!;
    company.name = 'Company One (renamed)';
    const counts = await sync(tenure, sourceId);
    // The link and the company; then each of its 3 licenses marked to tell and told.
    expect(counts).toMatchObject({ licensesUnchanged: 6, rowsWritten: 2 + 3 + 3 });
    const [link] = await tenure.db.select().from(sourceCompanies).where(and(eq(sourceCompanies.sourceId, sourceId), eq(sourceCompanies.upstreamId, company.publicId)));
    expect((await tenure.api('GET', `/v1/companies/${link!.companyId}`)).body.name).toBe('Company One (renamed)');
    const ofRenamed = (await licensesOfSource(tenure, sourceId)).filter((license) => license.companyId === link!.companyId);
    expect(ofRenamed.map((license) => license.tag)).toEqual(['Company 1', 'Company 1', 'Company 1']);
    // The Temporal UI finds them under the new name.
    const shown = async () => {
      let count = 0;
      for await (const _workflow of tenure.client.workflow.list({ query: `CompanyName = 'Company One (renamed)' AND SourceId = '${sourceId}'` })) count++;
      return count;
    };
    await eventually(shown, (count) => count === 3);
  });

  it('a license renewed upstream is renewed in Tenure: its workflow reschedules to the new expiry', async () => {
    const key = [...eset.licenses.keys()][0]!;
    const [link] = await tenure.db.select().from(sourceLicenses).where(eq(sourceLicenses.upstreamId, key));
    eset.renewLicense(key, '2031-03-31T00:00:00Z');
    const counts = await sync(tenure, sourceId);
    expect(counts).toMatchObject({ licensesUpdated: 1, licensesUnchanged: 5 });
    const license = (await tenure.api('GET', `/v1/licenses/${link!.licenseId}`)).body;
    expect(license.expiresAt).toBe('2031-03-31T00:00:00.000Z');
    expect(Date.parse(license.nextDeadline.at)).toBeGreaterThan(Date.parse('2031-01-01T00:00:00Z'));
    const audit = (await tenure.api('GET', `/v1/audit?subject=${link!.licenseId}`)).body.data as { action: string; actor: string }[];
    expect(audit).toContainEqual(expect.objectContaining({ action: 'license.renewed_upstream', actor: `source:${sourceId}` }));
  });

  it('seats changed upstream update the license', async () => {
    const key = [...eset.licenses.keys()][1]!;
    const [link] = await tenure.db.select().from(sourceLicenses).where(eq(sourceLicenses.upstreamId, key));
    eset.setSeats(key, 42);
    expect(await sync(tenure, sourceId)).toMatchObject({ licensesUpdated: 1 });
    expect((await tenure.api('GET', `/v1/licenses/${link!.licenseId}`)).body.seats).toBe(42);
  });

  it('a license removed upstream is not deleted by the sync: it is audited and follows its lifecycle', async () => {
    const key = [...eset.licenses.keys()][2]!;
    const [link] = await tenure.db.select().from(sourceLicenses).where(eq(sourceLicenses.upstreamId, key));
    eset.removeLicense(key);
    expect(await sync(tenure, sourceId)).toMatchObject({ licensesRemoved: 1, licensesCreated: 0 });
    const license = (await tenure.api('GET', `/v1/licenses/${link!.licenseId}`)).body;
    expect(license.state).toBe('active');
    const audit = (await tenure.api('GET', `/v1/audit?subject=${link!.licenseId}`)).body.data as { action: string }[];
    expect(audit.map((entry) => entry.action)).toContain('license.removed_upstream');
    expect(await sync(tenure, sourceId)).toMatchObject({ licensesRemoved: 0, rowsWritten: 0 });
  });
});

describe('R23: an upstream in maintenance is retried, shown as upstream_unavailable, never as data loss', () => {
  it('maintenance 503s for the first attempts, then recovery: the sync completes and the status is ok again', async () => {
    const fake = await startFakeEsetEma2({ companies: 1, licensesPerCompany: 2 });
    try {
      const sourceId = await esetSource(fake, { name: 'In maintenance' });
      fake.fail(3, { kind: 'maintenance' });
      const operationId = await startSync(tenure, sourceId);
      const during = await eventually(async () => (await tenure.api('GET', `/v1/sources/${sourceId}`)).body, (source) => source.status === 'upstream_unavailable');
      expect(during).toMatchObject({ statusReason: 'maintenance' });
      const operation = await untilSyncEnds(tenure, operationId);
      expect(operation).toMatchObject({ status: 'succeeded', result: { licensesCreated: 2 } });
      expect((await tenure.api('GET', `/v1/sources/${sourceId}`)).body).toMatchObject({ status: 'ok', statusReason: null });
    } finally {
      await fake.close();
    }
  });

  it('a second sync asked for while one runs answers the running one', async () => {
    const fake = await startFakeEsetEma2({ companies: 2, licensesPerCompany: 2, answerDelayMs: 150 });
    try {
      const sourceId = await esetSource(fake, { name: 'Slow' });
      const first = await startSync(tenure, sourceId);
      expect(await startSync(tenure, sourceId)).toBe(first);
      expect((await untilSyncEnds(tenure, first)).status).toBe('succeeded');
    } finally {
      await fake.close();
    }
  });
});

describe('Sophos Central Partner', () => {
  it('tenants are companies; a tenant the partner may not assist keeps its licenses, and the sync says which and why (R23)', async () => {
    const sourceId = await createSource(tenure, { name: 'Sophos', vendor: 'sophos_partner', baseUrl: sophos.url, credentials: sophos.credentials });
    expect(await sync(tenure, sourceId)).toMatchObject({ companiesCreated: 2, licensesCreated: 4, companiesUnread: 0 });
    const closed = [...sophos.tenants.values()][0]!;
    closed.partnerAssistance = false;
    expect(await sync(tenure, sourceId)).toMatchObject({ licensesRemoved: 0, licensesUnchanged: 4, rowsWritten: 0, companiesUnread: 1 });
    expect(await licensesOfSource(tenure, sourceId)).toHaveLength(4);

    const { lastSync } = (await tenure.api('GET', `/v1/sources/${sourceId}`)).body;
    const [company] = await tenure.db.select({ id: sourceCompanies.companyId }).from(sourceCompanies).where(and(eq(sourceCompanies.sourceId, sourceId), eq(sourceCompanies.upstreamId, closed.id)));
    expect(lastSync).toMatchObject({ status: 'succeeded', counts: { companiesUnread: 1 } });
    expect(lastSync.unreadCompanies).toEqual([{ upstreamId: closed.id, companyId: company!.id, name: closed.name, reason: 'access_denied', detail: expect.stringContaining('partner assistance') }]);
  });

  it('R11, R21: a Sophos license expires when its end date is over (UTC), not at that day’s start', async () => {
    const fake = await startFakeSophosPartner({ tenants: 1 });
    try {
      fake.addLicense([...fake.tenants.keys()][0]!, { endDate: '2031-01-31' });
      const sourceId = await createSource(tenure, { name: 'Sophos end dates', vendor: 'sophos_partner', baseUrl: fake.url, credentials: fake.credentials });
      expect(await sync(tenure, sourceId)).toMatchObject({ licensesCreated: 1 });
      expect(await licensesOfSource(tenure, sourceId)).toEqual([expect.objectContaining({ expiresAt: '2031-01-31T23:59:59.999Z' })]);
    } finally {
      await fake.close();
    }
  });

  it('R23: a Sophos license sent without its quantity keeps the seats it had, never 0', async () => {
    const fake = await startFakeSophosPartner({ tenants: 1 });
    try {
      const license = fake.addLicense([...fake.tenants.keys()][0]!, { quantity: 25 });
      const sourceId = await createSource(tenure, { name: 'Sophos quantities', vendor: 'sophos_partner', baseUrl: fake.url, credentials: fake.credentials });
      expect(await sync(tenure, sourceId)).toMatchObject({ licensesCreated: 1 });
      delete license.quantity;
      expect(await sync(tenure, sourceId)).toMatchObject({ licensesUpdated: 0, licensesRemoved: 0, licensesUnchanged: 1, rowsWritten: 0 });
      expect(await licensesOfSource(tenure, sourceId)).toEqual([expect.objectContaining({ seats: 25 })]);
    } finally {
      await fake.close();
    }
  });

  it('R23: a 429 whose Retry-After outlasts the heartbeat timeout is waited out in one attempt: the sync succeeds and reads each tenant once', async () => {
    const fake = await startFakeSophosPartner({ tenants: 2, licensesPerTenant: 1 });
    try {
      const sourceId = await createSource(tenure, { name: 'Sophos rate limited', vendor: 'sophos_partner', baseUrl: fake.url, credentials: fake.credentials });
      fake.fail(1, { status: 429, retryAfterSeconds: 8, path: '/global/licenses/v1/licenses' });
      const input: SyncInput = { sourceId, trigger: 'manual', actor: 'system:test' };
      const options: SyncOptions = { stagingHeartbeatTimeout: '5s' };
      const handle = await tenure.client.workflow.start(SYNC_WORKFLOW_TYPE, { workflowId: syncWorkflowId(sourceId), taskQueue: tenure.taskQueue, args: [input, options] });

      expect(await handle.result()).toMatchObject({ licensesCreated: 2 });
      expect(fake.statuses.get(429)).toBe(1);
      // One read when the source was verified (R4), then each tenant's, the rate-limited one again.
      expect(fake.requests.get('/global/licenses/v1/licenses')).toBe(1 + 2 + 1);
      // The Temporal UI shows every read done by its first attempt: none was taken for a dead worker.
      const { events } = await handle.fetchHistory();
      const attempts = (events ?? []).flatMap((event) => (event.activityTaskStartedEventAttributes ? [event.activityTaskStartedEventAttributes.attempt] : []));
      expect(new Set(attempts)).toEqual(new Set([1]));
      expect((await tenure.api('GET', `/v1/sources/${sourceId}`)).body).toMatchObject({ status: 'ok' });
    } finally {
      await fake.close();
    }
  });
});
