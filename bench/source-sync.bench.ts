// `npm run bench`: a JSON feed of 10,000 licenses (100 companies × 100), imported by a first sync
// (every license workflow started), then synced again with no upstream change: the no-op resync
// must take under 5 s and write 0 rows (DESIGN §5, R21, R23).
import { afterAll, beforeAll, bench, describe, expect } from 'vitest';
import { startFakeJsonFeed, type FakeJsonFeed } from '../test/fakes/json-feed.js';
import { startTenure, type Tenure } from '../test/support/tenure.js';
import { createSource, sync } from '../test/source/helpers.js';
import { record, round, times } from './results.js';

const COMPANIES = 100;
const LICENSES_PER_COMPANY = 100;
let tenure: Tenure;
let feed: FakeJsonFeed;
let sourceId: string;
const noOpMs: number[] = [];

beforeAll(async () => {
  [tenure, feed] = await Promise.all([startTenure(), startFakeJsonFeed({ companies: COMPANIES, licensesPerCompany: LICENSES_PER_COMPANY, pageSize: 1000 })]);
  sourceId = await createSource(tenure, { name: 'Bench feed', vendor: 'json_feed', baseUrl: feed.url, credentials: {} });
  const started = performance.now();
  const counts = await sync(tenure, sourceId, 1_700_000);
  const firstImportMs = performance.now() - started;
  expect(counts.licensesCreated).toBe(COMPANIES * LICENSES_PER_COMPANY);
  await record('S1', { figure: `first sync of a JSON feed of ${COMPANIES * LICENSES_PER_COMPANY} licenses (every license workflow started)`, tenure: round(firstImportMs / 1000, 1), unit: 's', rowsWritten: counts.rowsWritten });
}, 1_800_000);

afterAll(async () => {
  const average = noOpMs.reduce((sum, ms) => sum + ms, 0) / Math.max(1, noOpMs.length);
  if (noOpMs.length) await record('S2', { figure: `no-op resync of the same feed, average of ${noOpMs.length} (target < 5 s, 0 rows written)`, tenure: round(average / 1000, 2), unit: 's', rowsWritten: 0 });
  await Promise.all([tenure?.close(), feed?.close()]);
});

describe(`sync a JSON feed of ${COMPANIES * LICENSES_PER_COMPANY} licenses`, () => {
  bench(
    'Tenure: no-op resync, POST /v1/sources/:id/sync until its operation succeeded',
    async () => {
      const started = performance.now();
      const counts = await sync(tenure, sourceId);
      noOpMs.push(performance.now() - started);
      expect(counts).toMatchObject({ rowsWritten: 0, licensesUnchanged: COMPANIES * LICENSES_PER_COMPANY });
    },
    times(3),
  );
});
