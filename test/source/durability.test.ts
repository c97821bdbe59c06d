// R23 under failure: a sync whose worker dies mid-way leaves the previous data whole, and the
// sync completes once a worker is back, whatever changed upstream meanwhile; the daily Schedule
// runs the same sync (R21).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { syncStaging } from '../../db/schema.js';
import { startFakeEsetEma2, type FakeEsetEma2 } from '../fakes/eset-ema2.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { createSource, recordFingerprint, startSync, sync, untilSyncEnds } from './helpers.js';

let tenure: Tenure;
let eset: FakeEsetEma2;
beforeAll(async () => {
  [tenure, eset] = await Promise.all([startTenure(), startFakeEsetEma2({ companies: 6, licensesPerCompany: 2, answerDelayMs: 200 })]);
});
afterAll(async () => {
  await Promise.all([tenure?.close(), eset?.close()]);
});

it('R23: a sync whose worker is killed mid-way leaves the previous data whole and completes on restart', async () => {
  const sourceId = await createSource(tenure, { name: 'ESET killed', vendor: 'eset_ema2', baseUrl: eset.url, credentials: eset.credentials });
  expect(await sync(tenure, sourceId)).toMatchObject({ licensesCreated: 12 });
  const company = [...eset.companies.values()][0]!;
  eset.addLicense(company.publicId);
  eset.renewLicense([...eset.licenses.keys()][0]!, '2032-01-31T00:00:00Z');
  const before = await recordFingerprint(tenure);

  const operationId = await startSync(tenure, sourceId);
  await eventually(async () => (await tenure.api('GET', `/v1/operations/${operationId}`)).body, (operation) => operation.result?.phase === 'reading_licenses');
  await tenure.stopWorker();
  expect(await recordFingerprint(tenure)).toEqual(before);
  expect((await tenure.api('GET', `/v1/operations/${operationId}`)).body.status).toBe('running');

  await tenure.startWorker();
  const operation = await untilSyncEnds(tenure, operationId);
  expect(operation).toMatchObject({ status: 'succeeded', result: { licensesCreated: 1, licensesUpdated: 1, licensesUnchanged: 11 } });
  expect(await sync(tenure, sourceId)).toMatchObject({ rowsWritten: 0, licensesUnchanged: 13 });
});

it('R23: a sync resumed after its worker died reads each company it had not read, though one it had read was removed upstream meanwhile: no license of another is taken for gone', async () => {
  const shifting = await startFakeEsetEma2({ companies: 30, licensesPerCompany: 1, answerDelayMs: 200 });
  try {
    const sourceId = await createSource(tenure, { name: 'ESET shifted', vendor: 'eset_ema2', baseUrl: shifting.url, credentials: shifting.credentials });
    expect(await sync(tenure, sourceId)).toMatchObject({ licensesCreated: 30 });
    const first = [...shifting.companies.values()][0]!;
    const firstLicense = [...shifting.licenses.values()].find((license) => license.customerId === first.publicId)!;

    const operationId = await startSync(tenure, sourceId);
    // The first company's licenses are read, so the sync resumes after it: the companies listed after it shift once it goes.
    const stagedFirst = and(eq(syncStaging.operationId, operationId), eq(syncStaging.kind, 'license'), eq(syncStaging.upstreamId, firstLicense.publicLicenseKey));
    await eventually(() => tenure.db.$count(syncStaging, stagedFirst), (staged) => staged === 1, { intervalMs: 20 });
    await tenure.stopWorker();
    shifting.companies.delete(first.publicId);
    shifting.removeLicense(firstLicense.publicLicenseKey);

    await tenure.startWorker();
    expect(await untilSyncEnds(tenure, operationId)).toMatchObject({ status: 'succeeded', result: { licensesRemoved: 0, licensesUnchanged: 30 } });
  } finally {
    await shifting.close();
  }
});

it("R21: the source's daily Schedule runs its sync", async () => {
  const sourceId = await createSource(tenure, { name: 'ESET scheduled', vendor: 'eset_ema2', baseUrl: eset.url, credentials: eset.credentials });
  const { scheduleId } = (await tenure.api('GET', `/v1/sources/${sourceId}`)).body;
  await tenure.client.schedule.getHandle(scheduleId).trigger();
  const source = await eventually(
    async () => (await tenure.api('GET', `/v1/sources/${sourceId}`)).body,
    (current) => current.lastSync?.status === 'succeeded',
    { timeoutMs: 90_000 },
  );
  expect(source).toMatchObject({ status: 'ok', lastSync: { trigger: 'schedule', counts: { companiesCreated: 6 } } });
});
