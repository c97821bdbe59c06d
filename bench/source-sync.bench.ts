// `npm run bench`: a JSON feed of 10,000 licenses (100 companies × 100), imported by a first sync
// (every license workflow started), then synced again with no upstream change: the no-op resync
// must take under 5 s and write 0 rows (DESIGN §5, R21, R23).
import { afterAll, beforeAll, bench, describe, expect } from 'vitest';
import { startFakeJsonFeed, type FakeJsonFeed } from '../test/fakes/json-feed.js';
import { startTenure, type Tenure } from '../test/support/tenure.js';
import { createSource, sync } from '../test/source/helpers.js';

const COMPANIES = 100;
const LICENSES_PER_COMPANY = 100;
let tenure: Tenure;
let feed: FakeJsonFeed;
let sourceId: string;
let firstImportMs = 0;
const noOpMs: number[] = [];

beforeAll(async () => {
  [tenure, feed] = await Promise.all([startTenure(), startFakeJsonFeed({ companies: COMPANIES, licensesPerCompany: LICENSES_PER_COMPANY, pageSize: 1000 })]);
  sourceId = await createSource(tenure, { name: 'Bench feed', vendor: 'json_feed', baseUrl: feed.url, credentials: {} });
  const started = performance.now();
  const counts = await sync(tenure, sourceId, 1_700_000);
  firstImportMs = performance.now() - started;
  expect(counts.licensesCreated).toBe(COMPANIES * LICENSES_PER_COMPANY);
}, 1_800_000);

afterAll(async () => {
  const average = noOpMs.reduce((sum, ms) => sum + ms, 0) / Math.max(1, noOpMs.length);
  console.log(`\nJSON feed of ${COMPANIES * LICENSES_PER_COMPANY} licenses: first import ${(firstImportMs / 1000).toFixed(1)} s; no-op resync ${(average / 1000).toFixed(2)} s, 0 rows written (average of ${noOpMs.length}; target < 5 s)\n`);
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
    { iterations: 3, warmupIterations: 0, time: 0 },
  );
});
