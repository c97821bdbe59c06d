// Raw Temporal beside Tenure, in the same process and on the same dev server: a worker of its
// own task queue running bench/raw/workflows.ts with Tenure's worker settings, so every figure
// has a baseline measured in the same run.
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker, type InjectedSinks } from '@temporalio/worker';
import { sql } from 'drizzle-orm';
import { inject } from 'vitest';
import { createMailer } from '../../activities/notice/transport.js';
import { withBoundedConcurrency } from '../../platform/concurrency.js';
import { startAndAwaitFirstState, type LocalWorker } from '../../platform/lifecycle/first-state.js';
import { clientInterceptors, localWorkerOn } from '../../runtime/temporal.js';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../../runtime/worker.js';
import { testDataConverter } from '../../test/support/payload-keys.js';
import { eventually, type Tenure } from '../../test/support/tenure.js';
import { subjectSearchAttributes } from '../../api/lifecycle/search-attributes.js';
import { LicenseExpiresAt, LicenseState } from '../../workflows/search-attributes.js';
import { rawEntity, rawExpiry, rawExpiryAsDesigned, rawIssued, rawSleeper, recordedRaw, renewRaw, type RawEntityFacts, type SleeperSinks } from './workflows.js';

const rawWorkflowsPath = fileURLToPath(new URL('./workflows.ts', import.meta.url));

/** The facts a license's workflow starts with (machines/license/contract.ts), policy included, with the values of P3's. */
const designedFacts = {
  partnerId: crypto.randomUUID(),
  companyId: crypto.randomUUID(),
  companyName: 'Bench Corp',
  product: 'endpoint-protection',
  explicitPolicyId: crypto.randomUUID(),
  seats: 10,
  owner: 'msp',
  tag: 'Bench Corp',
  accountType: null,
  poolId: crypto.randomUUID(),
  accessGroupId: crypto.randomUUID(),
  sourceId: null,
  term: 'annual',
  policy: { id: crypto.randomUUID(), version: 1, name: 'Bench policy', trial: 'P30D', grace: 'P14D', suspension: 'P30D', expiryNotices: ['P30D'], deletionNotice: 'P14D' },
};

/** A grace period's length: the timer a designed raw entity sleeps on after its expiry, beyond the bench's end. */
const DESIGNED_NEXT_DEADLINE_MS = 3_600_000;

/** How DESIGN asks a license's workflow to start: its facts and policy, the search attributes ops filter on, a summary. */
function designedStart(id: string, expiresAt: Date) {
  const entity = { id, ...designedFacts, expiresAt: expiresAt.toISOString() };
  return {
    entity,
    staticSummary: `${designedFacts.companyName} · ${designedFacts.product} · ${designedFacts.seats} seats`,
    staticDetails: `License ${id} (annual, owned by the msp) on policy "${designedFacts.policy.name}" v1.`,
    // The attributes Tenure's issue starts a license with (api/lifecycle/search-attributes.ts).
    typedSearchAttributes: [...subjectSearchAttributes(entity), { key: LicenseState, value: 'active' }, { key: LicenseExpiresAt, value: expiresAt }],
  };
}

export interface RawTemporal {
  client: Client;
  taskQueue: string;
  /** Workflow id of the n-th raw entity started. */
  entityId(index: number): string;
  /** How many raw entities have been started. */
  readonly started: number;
  /** Starts one raw entity sleeping `expiresInMs`; with `update`, then renews it through an Update, as P1 does. */
  startEntity(expiresInMs: number, update?: boolean): Promise<void>;
  /** Issues one raw entity as Tenure issues a license: started eagerly on its worker, answered once a local activity recorded it. */
  issue(expiresInMs: number): Promise<void>;
  /**
   * Issues one as DESIGN asks of an issue: started with a license's facts and policy, the search
   * attributes ops filter on and a summary, answered once a local activity wrote its row in
   * PostgreSQL (table `raw_issue`, which the bench makes).
   */
  issueAsDesigned(expiresInMs: number): Promise<void>;
  /**
   * Issues one with all that DESIGN's rules and the product's contract make an issue do, and
   * nothing Tenure chose on its own: as `issueAsDesigned`, with its payloads encrypted (issue 14;
   * a worker and client with Tenure's codec, on a task queue of their own), its audit entry written
   * in the statement that writes its row (R32, tables `raw_issue` and `raw_audit`), and its
   * license group's live accounts read after the commit (R9, table `raw_account`).
   */
  issueRequired(expiresInMs: number): Promise<void>;
  /** Starts `count` raw workflows that only sleep (P6) and waits until each has run its first task. */
  startSleeping(count: number, expiresInMs: number): Promise<void>;
  /** Starts P5's raw entities, one per id, each asleep until `at` and then writing one row and sending one mail; waits until every one sleeps. */
  startExpiring(ids: readonly string[], at: number): Promise<void>;
  /**
   * The same as DESIGN asks of a license's expiry: each started as `issueAsDesigned` starts one, and
   * at `at` its row and mail written by a local activity, its state search attribute set to grace,
   * and its next deadline's timer started.
   */
  startExpiringAsDesigned(ids: readonly string[], at: number): Promise<void>;
  /** Resolves once every raw entity started so far has run its first activity: no backlog left to skew the next figure. */
  drained(): Promise<void>;
  close(): Promise<void>;
}

export async function startRawTemporal(tenure: Tenure, { smtpUrl }: { smtpUrl?: string } = {}): Promise<RawTemporal> {
  const mailer = smtpUrl ? createMailer(smtpUrl, 'Raw <raw@tenure.test>') : undefined;
  const address = inject('temporalAddress');
  // With the deadline Tenure's own calls carry: a call that never answers fails the bench, not hangs it.
  const client = new Client({ connection: await Connection.connect({ address, interceptors: clientInterceptors() }) });
  const taskQueue = `${tenure.taskQueue}-raw`;
  let started = 0;
  let recorded = 0;
  let sleepers = 0;
  /** Workflows asleep after their first task, per workflow type. */
  const asleep = new Map<string, number>();
  /**
   * Fails, naming how many slept, rather than hang the bench if some never tell: 15 ms a workflow,
   * 10 minutes at least (99,011 of 100,000 slept within 10 minutes here).
   */
  const untilAsleep = (workflowType: string, count: number) =>
    eventually(async () => asleep.get(workflowType) ?? 0, (slept) => slept >= count, { timeoutMs: Math.max(600_000, count * 15), intervalMs: 250 });
  const workerConnection = await NativeConnection.connect({ address });
  // The least an issue that reads its write costs: an eager start on the bench's own worker, as Tenure's.
  const local = localWorkerOn(workerConnection, 'default', {});
  const sinks: InjectedSinks<SleeperSinks> = {
    sleepers: {
      recorded: { fn: ({ workflowId }, revision) => local.firstStates.announce(workflowId, revision), callDuringReplay: false },
      fellAsleep: {
        fn: ({ workflowType }) => {
          asleep.set(workflowType, (asleep.get(workflowType) ?? 0) + 1);
        },
        callDuringReplay: false,
      },
    },
  };
  const expire = async (id: string) => {
    await tenure.db.execute(sql`insert into raw_expiry (id) values (${id}) on conflict do nothing`);
    await mailer!.send({ to: ['it@acme.test'], subject: 'raw', text: 'raw', html: '<p>raw</p>', messageId: `<${id}@raw>`, headers: { 'X-Tenure-Notice': `raw:${id}` } });
  };
  // Bundled, cached, sticky and with the activity and workflow task slots of Tenure's worker (runtime/worker.ts), so memory and throughput compare.
  const workerSettings = {
    workflowBundle: await bundleWorkflowCode({ workflowsPath: rawWorkflowsPath, preloadModules: [rawWorkflowsPath], logger: new DefaultLogger('ERROR') }),
    maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS,
    stickyQueueScheduleToStartTimeout: '1m',
    maxConcurrentActivityTaskExecutions: 200,
    maxConcurrentWorkflowTaskExecutions: 200,
  };
  const worker = await Worker.create({
    ...workerSettings,
    connection: workerConnection,
    taskQueue,
    sinks,
    activities: {
      recordIssue: async (revision: number, entity?: RawEntityFacts) => {
        if (entity) await tenure.db.execute(sql`insert into raw_issue (id, facts) values (${entity.id}, ${JSON.stringify(entity)}::jsonb)`);
        return revision;
      },
      record: async (revision: number) => {
        if (revision === 1) recorded++;
        return revision;
      },
      expire,
      expireAsDesigned: expire,
    },
  });
  const running = worker.run();

  // The required issue's own worker: encrypting needs the codec on both the worker and the client that starts.
  const requiredConnection = await NativeConnection.connect({ address });
  const requiredLocal = localWorkerOn(requiredConnection, 'default', testDataConverter);
  const requiredClient = new Client({ connection: client.connection, dataConverter: testDataConverter });
  const requiredTaskQueue = `${taskQueue}-required`;
  const requiredWorker = await Worker.create({
    ...workerSettings,
    connection: requiredConnection,
    taskQueue: requiredTaskQueue,
    dataConverter: testDataConverter,
    sinks: {
      sleepers: {
        recorded: { fn: ({ workflowId }, revision) => requiredLocal.firstStates.announce(workflowId, revision), callDuringReplay: false },
        fellAsleep: { fn: () => {}, callDuringReplay: false },
      },
    } satisfies InjectedSinks<SleeperSinks>,
    activities: {
      recordIssue: async (revision: number, entity: RawEntityFacts) => {
        const key = `license:${entity.id}:${revision}`;
        await tenure.db.execute(sql`
          with issued as (insert into raw_issue (id, facts) values (${entity.id}, ${JSON.stringify(entity)}::jsonb))
          insert into raw_audit (subject_id, action, actor, after, dedupe_key) values (${entity.id}, 'issued', 'bench', ${JSON.stringify(entity)}::jsonb, ${key})
          on conflict (dedupe_key) do nothing`);
        await tenure.db.execute(sql`select id from raw_account where company_id = ${entity.companyId as string}::uuid and product = ${entity.product as string} and state <> 'deleted' order by id`);
        return revision;
      },
    },
  });
  const requiredRunning = requiredWorker.run();
  // Unique on the shared dev server: each bench file has its own task queue.
  const entityId = (index: number) => `${taskQueue}:${index}`;
  const drained = () => eventually(async () => recorded, (count) => count >= started, { timeoutMs: 600_000, intervalMs: 250 }).then(() => undefined);
  const startEntity = async (expiresInMs: number, update = true) => {
    const handle = await client.workflow.start(rawEntity, { taskQueue, workflowId: entityId(started++), args: [expiresInMs] });
    if (update) await handle.executeUpdate(renewRaw, { args: [0] });
  };
  let issued = 0;
  /** Issues on one worker's task queue, eagerly through its connection: raw's own, or the required issue's with the codec. */
  const issuerOn = (via: { client: Client; local: LocalWorker; taskQueue: string }) => (workflowId: string, options: Record<string, unknown>, args: unknown[]) =>
    startAndAwaitFirstState(via.client, { workflowType: rawIssued.name, recordedUpdate: recordedRaw.name, options: { ...options, taskQueue: via.taskQueue, workflowId, args, workflowIdConflictPolicy: 'FAIL' } }, via.local);
  const issueRaw = issuerOn({ client, local, taskQueue });
  const issueEncrypted = issuerOn({ client: requiredClient, local: requiredLocal, taskQueue: requiredTaskQueue });
  const issue = (expiresInMs: number) => issueRaw(`${taskQueue}:issued:${issued++}`, {}, [expiresInMs]).then(() => undefined);
  /** One license's start as DESIGN asks it, on the given issuer. */
  const issueDesigned = (issueOn: typeof issueRaw, prefix: string) => async (expiresInMs: number) => {
    const id = crypto.randomUUID();
    const { entity, ...started } = designedStart(id, new Date(Date.now() + expiresInMs));
    await issueOn(`${prefix}:${id}`, started, [expiresInMs, entity]);
  };
  const issueAsDesigned = issueDesigned(issueRaw, `${taskQueue}:designed`);
  const issueRequired = issueDesigned(issueEncrypted, requiredTaskQueue);
  return {
    client,
    issue,
    issueAsDesigned,
    issueRequired,
    taskQueue,
    entityId,
    get started() {
      return started;
    },
    startEntity,
    async startSleeping(count, expiresInMs) {
      await withBoundedConcurrency([...Array(count).keys()], 64, () =>
        client.workflow.start(rawSleeper, { taskQueue, workflowId: `${taskQueue}:asleep:${sleepers++}`, args: [expiresInMs] }).then(() => undefined),
      );
      await untilAsleep(rawSleeper.name, sleepers);
    },
    async startExpiring(ids, at) {
      await withBoundedConcurrency(ids, 64, (id) => client.workflow.start(rawExpiry, { taskQueue, workflowId: `${taskQueue}:${id}`, args: [id, at] }).then(() => undefined));
      await untilAsleep(rawExpiry.name, ids.length);
    },
    async startExpiringAsDesigned(ids, at) {
      await withBoundedConcurrency(ids, 64, async (id) => {
        const { entity: _entity, ...started } = designedStart(id, new Date(at));
        await client.workflow.start(rawExpiryAsDesigned, { ...started, taskQueue, workflowId: `${taskQueue}:${id}`, args: [id, at, DESIGNED_NEXT_DEADLINE_MS] });
      });
      await untilAsleep(rawExpiryAsDesigned.name, ids.length);
    },
    drained,
    async close() {
      worker.shutdown();
      requiredWorker.shutdown();
      await Promise.all([running, requiredRunning]);
      await Promise.all([workerConnection.close(), requiredConnection.close()]);
      await client.connection.close();
    },
  };
}
