// After the sync's transaction: the license workflows whose facts changed hear of it, a batch
// at a time, from a heartbeating activity. A new license's workflow is started exactly as
// `POST /v1/licenses` starts one (eagerly, on this worker), and a retry finds the one it started; a license
// renewed upstream is renewed by its workflow through the machine's upstream event, in the
// source's name; one re-sized upstream shows its seats and its accounts re-allocate. What remains
// to tell is kept on each license's row (`pending`), so a sync killed here completes at its next run (R23).
import { and, asc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { Database } from '../../db/client.js';
import { companies, licenses, operations, pools, sourceLicenses } from '../../db/schema.js';
import { resolvePolicy } from '../../db/policies.js';
import { liveAccountsOfGroups } from '../account/license-group.js';
import { accountWorkflowId } from '../../machines/account/contract.js';
import { LicenseLifecycle, type PaidTerm } from '../../machines/license/index.js';
import { licenseWorkflowId, type LicenseLifecycleInput } from '../../machines/license/contract.js';
import type { AccountType } from '../../machines/lifecycle/capabilities.js';
import { LIFECYCLE_GENERATION, type FactsChange } from '../../machines/lifecycle/contract.js';
import type { LifecyclePolicy } from '../../machines/lifecycle/policy.js';
import { LICENSES_PER_BATCH, sourceActor, type LicensesTold } from '../../machines/source/sync.js';
import { withBoundedConcurrency } from '../../platform/concurrency.js';
import { startAndAwaitFirstState, type LocalWorker } from '../../platform/lifecycle/first-state.js';
import type { Logger } from '../../platform/logger.js';
import { expiresAtOf, seatsOf } from './facts.js';

type Keyword = Extract<SearchAttributePair, { key: { type: 'KEYWORD' } }>['key'];
type Datetime = Extract<SearchAttributePair, { key: { type: 'DATETIME' } }>['key'];

/** The license workflow's names and search attributes, handed over by the workflow that owns them (activities never import workflow values). */
export interface LicenseWorkflowNames {
  workflowType: string;
  recordedUpdate: string;
  renewedUpstreamUpdate: string;
  factsChangedSignal: string;
  /** The account workflows' signal: the licenses of its group changed, re-allocate. */
  licensesChangedSignal: string;
  searchAttributes: {
    partnerId: Keyword;
    companyId: Keyword;
    companyName: Keyword;
    product: Keyword;
    state: Keyword;
    poolId: Keyword;
    accessGroupId: Keyword;
    sourceId: Keyword;
    expiresAt: Datetime;
  };
}

export interface TellLicenses {
  operationId: string;
  sourceId: string;
  taskQueue: string;
  names: LicenseWorkflowNames;
}

/** One license to tell, with what its workflow needs to start: its company's name now and its pool's group now (R7). */
interface Pending {
  row: typeof sourceLicenses.$inferSelect;
  companyName: string;
  accessGroupId: string;
  /** The license as Tenure holds it; null until its workflow first wrote it. */
  expiresAt: Date | null;
  seats: number | null;
}

export function createTellActivities(db: Database, logger: Logger, local?: LocalWorker) {
  return {
    async tellLicenseWorkflows(request: TellLicenses): Promise<LicensesTold> {
      const context = Context.current();
      let progress: LicensesTold = (context.info.heartbeatDetails as LicensesTold | undefined) ?? { told: 0, rowsWritten: 0 };
      const policies = new Map<string, Promise<LifecyclePolicy>>();
      const policyOf = (row: Pending['row']) => {
        const key = `${row.companyId}:${row.facts.product}`;
        if (!policies.has(key)) policies.set(key, resolvePolicy(db, { partnerId: row.partnerId, companyId: row.companyId, product: row.facts.product, explicitPolicyId: null }).then((resolved) => resolved.policy));
        return policies.get(key)!;
      };
      const tell = async (pending: Pending) => {
        if (pending.row.pending === 'start') await start(context.client, request, pending, await policyOf(pending.row), local);
        else await update(context.client, request, pending, logger);
      };
      for (;;) {
        const batch = await db
          .select({ row: sourceLicenses, companyName: companies.name, accessGroupId: pools.accessGroupId, expiresAt: licenses.expiresAt, seats: licenses.seats })
          .from(sourceLicenses)
          .innerJoin(companies, eq(companies.id, sourceLicenses.companyId))
          .innerJoin(pools, eq(pools.id, sourceLicenses.poolId))
          .leftJoin(licenses, eq(licenses.id, sourceLicenses.licenseId))
          .where(and(eq(sourceLicenses.sourceId, request.sourceId), isNotNull(sourceLicenses.pending)))
          .orderBy(asc(sourceLicenses.licenseId))
          .limit(LICENSES_PER_BATCH);
        if (batch.length === 0) return progress;
        // A batch takes longer than the heartbeat timeout allows between beats: beat while it runs.
        const beat = setInterval(() => context.heartbeat(progress), HEARTBEAT_EVERY_MS);
        try {
          await withBoundedConcurrency(batch, TOLD_IN_FLIGHT, tell);
          await reallocateAccounts(db, context.client, request, batch.filter(({ row }) => row.pending === 'update').map(({ row }) => row));
        } finally {
          clearInterval(beat);
        }
        const started = batch.filter(({ row }) => row.pending === 'start' && row.facts.seatsUsed > 0);
        // The workflow writes a new license's lifecycle; the seats in use upstream are the sync's fact to add, in one statement.
        if (started.length > 0) await writeSeatsUsed(db, started.map(({ row }) => row));
        await db.update(sourceLicenses).set({ pending: null }).where(inArray(sourceLicenses.licenseId, batch.map(({ row }) => row.licenseId)));
        progress = { told: progress.told + batch.length, rowsWritten: progress.rowsWritten + batch.length + started.length };
        context.heartbeat(progress);
        await db.update(operations).set({ progressDone: progress.told, updatedAt: new Date() }).where(eq(operations.id, request.operationId));
      }
    },
  };
}

/**
 * Licenses started at once: each waits on a round trip to Temporal and a workflow task, so many
 * in flight keep the worker and the server busy (issue 13: 50 at a time imported ~3 licenses/s).
 */
const TOLD_IN_FLIGHT = 128;
const HEARTBEAT_EVERY_MS = 5_000;

async function writeSeatsUsed(db: Database, rows: readonly Pending['row'][]): Promise<void> {
  const values = sql.join(rows.map((row) => sql`(${row.licenseId}::uuid, ${row.facts.seatsUsed}::integer)`), sql`, `);
  await db.execute(sql`update ${licenses} set seats_used = upstream.seats_used from (values ${values}) as upstream(id, seats_used) where ${licenses.id} = upstream.id`);
}

/** Starts the license's workflow as `POST /v1/licenses` does, and waits until its first state is written. */
async function start(client: Client, request: TellLicenses, { row, companyName, accessGroupId }: Pending, policy: LifecyclePolicy, local: LocalWorker | undefined): Promise<void> {
  const { facts } = row;
  const keys = request.names.searchAttributes;
  const accountType = row.accountType as AccountType;
  const expiresAt = expiresAtOf(facts);
  const input: LicenseLifecycleInput = {
    facts: {
      id: row.licenseId,
      partnerId: row.partnerId,
      companyId: row.companyId,
      companyName,
      product: facts.product,
      seats: seatsOf(facts),
      owner: facts.owner,
      tag: row.tag,
      accountType,
      poolId: row.poolId,
      accessGroupId,
      sourceId: row.sourceId,
      // The company's, the product's or the partner's policy, resolved anew at each cycle: the source names none.
      explicitPolicyId: null,
    },
    policy,
    start: { term: facts.term, expiresAt, actor: sourceActor(row.sourceId) },
    generation: LIFECYCLE_GENERATION,
  };
  // The machine names the first state (trial or active by term), so ops can filter on it from the start.
  const first = LicenseLifecycle.start({ policy, accountType, term: facts.term, expiresAt, issuedAt: Date.now() }).snapshot;
  const typedSearchAttributes: SearchAttributePair[] = [
    { key: keys.partnerId, value: row.partnerId },
    { key: keys.companyId, value: row.companyId },
    { key: keys.companyName, value: companyName },
    { key: keys.product, value: facts.product },
    { key: keys.state, value: LicenseLifecycle.stateOf(first) },
    { key: keys.poolId, value: row.poolId },
    { key: keys.accessGroupId, value: accessGroupId },
    { key: keys.sourceId, value: row.sourceId },
    { key: keys.expiresAt, value: new Date(expiresAt) },
  ];
  try {
    await startAndAwaitFirstState(client, {
      workflowType: request.names.workflowType,
      recordedUpdate: request.names.recordedUpdate,
      options: {
        workflowId: licenseWorkflowId(row.licenseId),
        taskQueue: request.taskQueue,
        args: [input],
        // A retry finds the workflow it started; a license deleted meanwhile is not started again.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `${companyName} · ${facts.productName} · ${facts.seats === null ? 'unlimited' : facts.seats} seats`,
        staticDetails: `License ${facts.upstreamId} synced from source ${row.sourceId} (${facts.term}, owned by the ${facts.owner}) on policy "${policy.name}" v${policy.version}.`,
        typedSearchAttributes,
      },
    }, local);
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/**
 * Changed upstream since the last sync. Renewed (or back): the workflow takes the upstream expiry
 * through the machine's upstream event, which R13 does not refuse (the customer renewed at the
 * vendor). Seats changed: the reconcile wrote them and the workflow shows them (its accounts
 * re-allocate per batch, below). Company renamed: the workflow shows the new name. A deleted
 * license needs nothing; an upstream expiry already past cannot renew and is logged.
 */
async function update(client: Client, request: TellLicenses, { row, expiresAt, seats, companyName }: Pending, logger: Logger): Promise<void> {
  const handle = client.workflow.getHandle(licenseWorkflowId(row.licenseId));
  const upstreamExpiry = expiresAtOf(row.facts);
  try {
    if (expiresAt !== null && expiresAt.getTime() !== upstreamExpiry) {
      const term = row.facts.term === 'trial' ? undefined : (row.facts.term as PaidTerm);
      await handle.executeUpdate(request.names.renewedUpstreamUpdate, { args: [{ actor: sourceActor(row.sourceId), expiresAt: upstreamExpiry, ...(term ? { term } : {}) }] });
    }
    const facts: FactsChange = { companyName, ...(seats === null ? {} : { seats }) };
    await handle.signal(request.names.factsChangedSignal, facts);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return;
    if (!(error instanceof WorkflowUpdateFailedError)) throw error;
    logger.warn({ licenseId: row.licenseId, sourceId: row.sourceId, reason: error.cause?.message }, 'the license lifecycle refused the upstream renewal');
  }
}

/**
 * The accounts drawing on a batch's changed licenses re-read their groups (seats changed
 * upstream re-allocate them, DESIGN §5): one query for every group the batch touched, each
 * account told once however many of its licenses changed.
 */
async function reallocateAccounts(db: Database, client: Client, request: TellLicenses, changed: readonly Pending['row'][]): Promise<void> {
  const groups = new Map(changed.map((row) => [`${row.companyId}:${row.facts.product}`, { partnerId: row.partnerId, companyId: row.companyId, product: row.facts.product }]));
  const accountIds = await liveAccountsOfGroups(db, [...groups.values()]);
  await Promise.all(accountIds.map((id) => client.workflow.getHandle(accountWorkflowId(id)).signal(request.names.licensesChangedSignal).catch(ignoreClosed)));
}

/** An account deleted meanwhile has closed its workflow: nothing is left to tell it. */
function ignoreClosed(error: unknown): void {
  if (!(error instanceof WorkflowNotFoundError)) throw error;
}
