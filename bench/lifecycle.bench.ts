// `npm run bench`: Tenure against raw Temporal on the same dev server, as ratios.
// Raw is the floor for the same job — a workflow that records through one activity,
// waits on a timer and answers an update through one activity. Tenure adds the machine,
// the projection/audit/outbox transaction, notice and account follow-ups, and the HTTP API.
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, bench, describe, inject } from 'vitest';
import { startTenure, type Tenure } from '../test/support/tenure.js';
import { rawEntity, renewRaw } from './raw/workflows.js';
import { createCompany, createPolicy } from '../test/support/setup.js';

const DAY = 86_400_000;
let tenure: Tenure;
let client: Client;
let rawWorker: Worker;
let rawRunning: Promise<void>;
let companyId: string;
let policyId: string;
let rawCount = 0;
const licenseIds: string[] = [];
const MEMORY_SAMPLE = 300;
const memoryPerEntity = { raw: 0, tenure: 0 };

beforeAll(async () => {
  tenure = await startTenure();
  companyId = await createCompany(tenure);
  policyId = await createPolicy(tenure, { grace: 'P14D', suspension: 'P30D', expiryNotices: ['P30D'], deletionNotice: 'P14D' });
  const address = inject('temporalAddress');
  client = new Client({ connection: await Connection.connect({ address }) });
  rawWorker = await Worker.create({
    connection: await NativeConnection.connect({ address }),
    taskQueue: `${tenure.taskQueue}-raw`,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./raw/workflows.ts', import.meta.url)), logger: new DefaultLogger('ERROR') }),
    activities: { record: async (revision: number) => revision },
  });
  rawRunning = rawWorker.run();
  await measureMemory();
});

/**
 * Memory growth of this process per running entity. Workflows run in the workers' own
 * threads, whose heaps the main thread's heapUsed does not count: the resident set does.
 */
async function measureMemory() {
  const settledMemory = () => {
    global.gc!();
    return process.memoryUsage().rss;
  };
  const baseline = settledMemory();
  for (let index = 0; index < MEMORY_SAMPLE; index++) await startRaw();
  const afterRaw = settledMemory();
  for (let index = 0; index < MEMORY_SAMPLE; index++) await issueLicense();
  const afterTenure = settledMemory();
  memoryPerEntity.raw = (afterRaw - baseline) / MEMORY_SAMPLE;
  memoryPerEntity.tenure = (afterTenure - afterRaw) / MEMORY_SAMPLE;
}

async function startRaw() {
  const handle = await client.workflow.start(rawEntity, { taskQueue: `${tenure.taskQueue}-raw`, workflowId: `raw-${rawCount++}`, args: [DAY] });
  await handle.executeUpdate(renewRaw, { args: [0] });
}

async function issueLicense() {
  const answer = await tenure.api('POST', '/v1/licenses', { companyId, policyId, product: 'endpoint-protection', seats: 10, term: 'annual', duration: 'P1Y' });
  licenseIds.push(answer.body.id);
}

afterAll(async () => {
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  console.log(
    `\nresident memory per running entity (${MEMORY_SAMPLE} of each): raw ${kib(memoryPerEntity.raw)}, ` +
      `Tenure ${kib(memoryPerEntity.tenure)} — ${(memoryPerEntity.tenure / memoryPerEntity.raw).toFixed(2)}× raw\n`,
  );
  rawWorker.shutdown();
  await rawRunning;
  await client.connection.close();
  await tenure.close();
});

const options = { time: 3_000, warmupIterations: 2 };

describe('start an entity and see its first state recorded', () => {
  bench('raw Temporal workflow', startRaw, options);
  bench('Tenure: POST /v1/licenses', issueLicense, options);
});

describe('one operation on a running entity, end to end', () => {
  let next = 0;
  bench('raw Temporal update through one activity', async () => {
    await client.workflow.getHandle(`raw-${next++ % Math.max(1, rawCount)}`).executeUpdate(renewRaw, { args: [DAY] });
  }, options);

  bench('Tenure: POST /v1/licenses/:id/renew', async () => {
    await tenure.api('POST', `/v1/licenses/${licenseIds[next++ % licenseIds.length]}/renew`, { duration: 'P1M', basis: 'from_expiry' });
  }, options);
});

describe('read one entity', () => {
  let next = 0;
  bench('raw Temporal query', async () => {
    await client.workflow.getHandle(`raw-${next++ % Math.max(1, rawCount)}`).describe();
  }, options);

  bench('Tenure: GET /v1/licenses/:id', async () => {
    await tenure.api('GET', `/v1/licenses/${licenseIds[next++ % licenseIds.length]}`);
  }, options);
});

