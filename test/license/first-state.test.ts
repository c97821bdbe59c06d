// How an issue (and an account's creation) waits for the first state (DESIGN §4, read-your-writes): with the worker in
// the API's process (npm start), the workflow starts eagerly on it and the answer comes from its
// `opened` sink, with no Update in its history; with no worker running there, through the
// `recorded` Update, once a worker has written the license.
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountWorkflowId } from '../../machines/account/contract.js';
import { LocalFirstStates, type LocalWorker } from '../../platform/lifecycle/first-state.js';
import { licenseWorkflowId } from '../../machines/license/contract.js';
import { keepHistory } from '../support/histories.js';
import { createCompany, inSeconds } from '../support/setup.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';

let tenure: Tenure;
let companyId: string;
beforeAll(async () => {
  tenure = await startTenure();
  companyId = await createCompany(tenure);
});
afterAll(() => tenure?.close());

const license = { product: 'endpoint-protection', seats: 5, term: 'annual', expiresAt: inSeconds(86_400) };
const { EventType } = temporal.api.enums.v1;

async function eventTypesOf(workflowId: string) {
  const history = await tenure.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).map((event) => event.eventType);
}

describe('issue: answered once the first state is written', () => {
  it('started on the API\'s own worker: answered by the workflow, with no Update in its history, and read back at once', async () => {
    const issued = await tenure.api('POST', '/v1/licenses', { companyId, ...license });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    const read = await tenure.api('GET', `/v1/licenses/${issued.body.id}`);
    expect(read.body).toMatchObject({ state: 'active', cycle: 1, expiresAt: issued.body.expiresAt });

    const events = await eventTypesOf(licenseWorkflowId(issued.body.id));
    expect(events).toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    expect(events).not.toContain(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
    await keepHistory('license-issued-eagerly', tenure.client, licenseWorkflowId(issued.body.id));
  });

  it('an account is created the same way: answered by its workflow, with no Update in its history', async () => {
    const created = await tenure.api('POST', '/v1/accounts', { companyId, product: 'endpoint-protection', name: 'Tenant', seatsRequested: 3, term: 'annual' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await tenure.api('GET', `/v1/accounts/${created.body.id}`)).body).toMatchObject({ id: created.body.id, state: created.body.state, seatsRequested: 3 });
    const events = await eventTypesOf(accountWorkflowId(created.body.id));
    expect(events).toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    expect(events).not.toContain(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
  });

  it('with the worker down: waits, and answers once a worker has written the license', async () => {
    const quietCompany = await createCompany(tenure, { name: 'Issued While Down' });
    await tenure.stopWorker();
    const answer = tenure.api('POST', '/v1/licenses', { companyId: quietCompany, ...license });
    let answered = false;
    void answer.finally(() => (answered = true));
    // The workflow is started, its first task waits for a worker, and the caller waits with it.
    const running = `WorkflowType = 'licenseLifecycle' AND CompanyId = '${quietCompany}' AND ExecutionStatus = 'Running'`;
    await eventually(async () => Number((await tenure.client.workflow.count(running)).count), (count) => count === 1);
    expect(answered).toBe(false);

    await tenure.startWorker();
    const issued = await answer;
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    expect((await tenure.api('GET', `/v1/licenses/${issued.body.id}`)).body).toMatchObject({ state: 'active', companyId: quietCompany });
    expect(await eventTypesOf(licenseWorkflowId(issued.body.id))).toContain(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
  });
});

describe('issue: an eager start whose first state is never told', () => {
  let untold: Tenure;
  const eagerly: boolean[] = [];
  beforeAll(async () => {
    // The API's worker starts the workflow eagerly and writes the license, but the API listens where nothing is told.
    untold = await startTenure({
      apiLocalWorker: (local): LocalWorker => ({
        startEagerly: (workflowType, options) => local.startEagerly(workflowType, options).then((handle) => (eagerly.push(handle.eagerlyStarted), handle)),
        firstStates: new LocalFirstStates(),
        announcedWithinMs: 200,
      }),
    });
  });
  afterAll(() => untold?.close());

  it('answers through the Update once its wait runs out, with the license as written', async () => {
    const company = await createCompany(untold);
    const issued = await untold.api('POST', '/v1/licenses', { companyId: company, ...license });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    expect(eagerly).toEqual([true]);
    expect(issued.body).toMatchObject({ state: 'active', cycle: 1 });
    expect((await untold.api('GET', `/v1/licenses/${issued.body.id}`)).body).toMatchObject({ state: 'active', expiresAt: issued.body.expiresAt });
    const history = await untold.client.workflow.getHandle(licenseWorkflowId(issued.body.id)).fetchHistory();
    expect((history.events ?? []).map((event) => event.eventType)).toContain(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
  });
});
