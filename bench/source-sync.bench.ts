// `npm run bench`: a JSON feed of 10,000 licenses (100 companies × 100), imported by a first sync
// (every license workflow started), then synced again with no upstream change: the no-op resync
// must take under 5 s and write 0 rows (DESIGN §5, R21, R23). The imported licenses then sleep
// until they expire, which is what P6 weighs (issue 13): the process's memory with them, beside
// as many raw Temporal entities sleeping in the same worker process. TENURE_BENCH_LARGE=1 makes it
// 100,000 licenses (1,000 companies): long, not part of the 20-minute run.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, bench, describe, expect } from 'vitest';
import { auditLog } from '../db/schema.js';
import { startFakeJsonFeed, type FakeJsonFeed } from '../test/fakes/json-feed.js';
import { startTenure, type Tenure } from '../test/support/tenure.js';
import { createSource, sync } from '../test/source/helpers.js';
import { startRawTemporal, type RawTemporal } from './raw/harness.js';
import { record, round, times } from './results.js';

const LARGE = process.env.TENURE_BENCH_LARGE === '1';
const COMPANIES = LARGE ? 1_000 : 100;
/** The raw workflows put to sleep and the first sync each take minutes per 10,000 on this machine. */
const SETUP_MS = LARGE ? 5_400_000 : 1_800_000;
const LICENSES_PER_COMPANY = 100;
const LICENSES = COMPANIES * LICENSES_PER_COMPANY;
const DAY = 86_400_000;
let tenure: Tenure;
let feed: FakeJsonFeed;
let raw: RawTemporal;
let sourceId: string;
const noOpMs: number[] = [];

const MiB = (bytes: number) => Math.round(bytes / 1024 / 1024);
/** Resident memory after a full collection of the main thread's heap. */
const settledRss = () => {
  global.gc!();
  return process.memoryUsage().rss;
};

/**
 * The process's memory each time another fifth of the licenses has its workflow started and its
 * first state written, while S1 imports them: whether it levels off once the workflow cache is
 * full says what a larger import would cost without running one (it levelled off in the README's
 * latest run, and did not in the one before).
 */
async function memoryWhileImporting(importing: Promise<unknown>, base: number): Promise<{ licenses: number; growthMiB: number }[]> {
  let finished = false;
  void importing.finally(() => (finished = true)).catch(() => {});
  const marks = [1, 2, 3, 4].map((fifth) => (fifth * LICENSES) / 5);
  const curve: { licenses: number; growthMiB: number }[] = [];
  while (!finished && marks.length > 0) {
    const [row] = await tenure.db.select({ started: sql<number>`count(*)::int` }).from(auditLog).where(eq(auditLog.action, 'license.issued'));
    const started = row?.started ?? 0;
    if (started >= marks[0]!) {
      while (marks.length > 0 && started >= marks[0]!) marks.shift();
      curve.push({ licenses: started, growthMiB: MiB(settledRss() - base) });
    } else await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return curve;
}

beforeAll(async () => {
  [tenure, feed] = await Promise.all([startTenure(), startFakeJsonFeed({ companies: COMPANIES, licensesPerCompany: LICENSES_PER_COMPANY, pageSize: 1000 })]);
  // Before the raw baseline's worker, which brings a workflow thread and a bundle of its own: what
  // `npm start`'s process holds idle, beside the feed's fake server.
  const tenureIdle = settledRss();
  raw = await startRawTemporal(tenure);
  sourceId = await createSource(tenure, { name: 'Bench feed', vendor: 'json_feed', baseUrl: feed.url, credentials: {} });

  const idle = settledRss();
  await raw.startSleeping(LICENSES, DAY);
  const afterRaw = settledRss();

  const started = performance.now();
  const importing = sync(tenure, sourceId, SETUP_MS - 100_000);
  const growthWhileImporting = await memoryWhileImporting(importing, afterRaw);
  const counts = await importing;
  const firstImportMs = performance.now() - started;
  expect(counts.licensesCreated).toBe(LICENSES);
  await record('S1', { figure: `first sync of a JSON feed of ${LICENSES} licenses (every license workflow started)`, tenure: round(firstImportMs / 1000, 1), unit: 's', rowsWritten: counts.rowsWritten });

  const afterTenure = settledRss();
  await record('P6', {
    figure: `resident memory growth with ${LICENSES} sleeping entities: the licenses S1 imported vs as many raw workflows asleep (target: < 1 GiB total at 100,000)`,
    tenure: MiB(afterTenure - afterRaw),
    raw: MiB(afterRaw - idle),
    unit: 'MiB',
    idleMiB: MiB(idle),
    // Tenure's process without the raw baseline: idle as `npm start` holds it, plus the growth.
    tenureProcessMiB: MiB(tenureIdle + afterTenure - afterRaw),
    tenureTotalMiB: MiB(afterTenure),
    growthWhileImporting,
  });
}, SETUP_MS);

afterAll(async () => {
  const average = noOpMs.reduce((sum, ms) => sum + ms, 0) / Math.max(1, noOpMs.length);
  if (noOpMs.length) await record('S2', { figure: `no-op resync of the same feed, average of ${noOpMs.length} (target < 5 s, 0 rows written)`, tenure: round(average / 1000, 2), unit: 's', rowsWritten: 0 });
  await raw?.close();
  await Promise.all([tenure?.close(), feed?.close()]);
});

describe(`sync a JSON feed of ${LICENSES} licenses`, () => {
  bench(
    'Tenure: no-op resync, POST /v1/sources/:id/sync until its operation succeeded',
    async () => {
      const started = performance.now();
      const counts = await sync(tenure, sourceId);
      noOpMs.push(performance.now() - started);
      expect(counts).toMatchObject({ rowsWritten: 0, licensesUnchanged: LICENSES });
    },
    times(3),
  );
});
