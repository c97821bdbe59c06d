import { afterAll, beforeAll, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { startTenure, type Tenure } from '../support/tenure.js';
import { createCompany } from '../license/helpers.js';

let tenure: Tenure;
beforeAll(async () => { tenure = await startTenure(); });
afterAll(() => tenure?.close());
const DAY = 86_400_000;
it('renew timing', async () => {
  const companyId = await createCompany(tenure);
  const { body: license } = await tenure.api('POST', '/v1/licenses', { companyId, product: 'endpoint-protection', seats: 5, term: 'annual', expiresAt: new Date(Date.now() + DAY).toISOString() });
  const t0 = Date.now();
  for (let batch = 0; batch < 3; batch++) {
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 10 }, () => tenure.api('POST', `/v1/licenses/${license.id}/renew`, { duration: 'P1D', basis: 'from_expiry' })));
    console.log('batch', batch, Date.now() - started, answers.map((a) => a.status).join(','));
  }
  console.log('total', Date.now() - t0);
  const handle = tenure.client.workflow.getHandle(`license:${license.id}`);
  const history = await handle.fetchHistory();
  let prev = 0;
  for (const e of history.events!) {
    const t = Number(e.eventTime!.seconds) * 1000 + Math.round((e.eventTime!.nanos ?? 0) / 1e6);
    console.log(t - (prev || t), temporal.api.enums.v1.EventType[e.eventType!], e.activityTaskScheduledEventAttributes?.activityType?.name ?? '');
    prev = t;
  }
});
