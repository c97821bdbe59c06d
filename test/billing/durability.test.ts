// A worker killed while it pushes billing quantities (R26): the push resumes on another worker
// and the period is pushed once, because each push is claimed and recorded line by line.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, billingPushes } from '../../db/schema.js';
import { startFakeConnectWise, type FakeConnectWise } from '../fakes/connectwise.js';
import { createCompany, issueLicense } from '../support/setup.js';
import { startWorkerProcess } from '../support/spawn-worker.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';
import { nextWholeHour, saveConnectWisePartner, seedConnectWiseCompany, startSkewedBilling } from './setup.js';

let tenure: Tenure;
let fake: FakeConnectWise;
beforeAll(async () => {
  [tenure, fake] = await Promise.all([startTenure({ worker: false }), startFakeConnectWise()]);
});
afterAll(async () => {
  await tenure?.close();
  await fake?.close();
});

describe('billing durability', () => {
  it('R26: a worker killed during a push does not push the period twice', async () => {
    const crashing = await startWorkerProcess(tenure);
    const billing = nextWholeHour();
    await saveConnectWisePartner(tenure, fake, billing);
    const companyId = await createCompany(tenure, { name: 'ACME-CRASH' });
    await issueLicense(tenure, { companyId, product: 'endpoint-crash', seats: 12 });
    const { agreement, addition } = seedConnectWiseCompany(fake, 'ACME-CRASH', 'endpoint-crash');

    // ConnectWise receives the PATCH and holds its answer: the worker dies waiting for it.
    const hold = fake.holdPatches();
    await startSkewedBilling(tenure, companyId, billing.at, 3_000);
    const saved = await tenure.api('PUT', `/v1/companies/${companyId}/integrations/connectwise`, {
      enabled: true,
      identifier: 'ACME-CRASH',
      mappings: [{ product: 'endpoint-crash', agreementId: agreement.id, additionId: addition.id }],
      productsIncluded: ['endpoint-crash'],
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    await eventually(async () => fake.patches.length, (count) => count === 1);
    crashing.kill('SIGKILL');
    // ConnectWise applies the change after all: only the answer was lost with the worker.
    hold.release();
    await eventually(async () => fake.addition(agreement.id, addition.id)?.quantity, (quantity) => quantity === 12);

    await tenure.startWorker();
    const [push] = await eventually(
      () => tenure.db.select().from(billingPushes).where(eq(billingPushes.companyId, companyId)),
      (rows) => rows[0]?.status === 'pushed',
      { timeoutMs: 60_000 },
    );
    expect(push).toMatchObject({ period: billing.period, additionsDone: [addition.id] });
    expect(fake.patches).toHaveLength(1);
    const audited = await tenure.db.select().from(auditLog).where(and(eq(auditLog.subjectId, companyId), eq(auditLog.action, 'billing.pushed')));
    expect(audited).toHaveLength(1);
  });
});
