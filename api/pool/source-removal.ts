// R14: deleting one license that came from a source removes that source's other pools too (the
// upstream rule, seed 002). Without `confirm=true` the caller is told exactly what would go;
// with it, every license of those pools is deleted through its own workflow.
import type { Context } from 'koa';
import { and, asc, count, eq, inArray, notInArray } from 'drizzle-orm';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { Database } from '../../db/client.js';
import { licenses, pools } from '../../db/schema.js';
import { licenseWorkflowId } from '../../machines/license/contract.js';
import { LicenseLifecycle } from '../../machines/license/index.js';
import { ILLEGAL_OPERATION } from '../../machines/lifecycle/failures.js';
import { finalLicenseStates } from '../../machines/lifecycle/states.js';
import { deleteLicense } from '../../workflows/license/messages.js';
import { actorOf, type Caller } from '../auth.js';
import { projectedSnapshot } from '../lifecycle/projection.js';
import { Problem } from '../problem.js';
import { scopeOf, type Scope } from '../scope.js';
import { parseInput } from '../validate.js';

type LicenseRow = typeof licenses.$inferSelect;

export interface PoolToRemove {
  id: string;
  name: string;
  accessGroupId: string;
  licenses: number;
}

/** The source's pools the key may see (the license's own among them), with the live licenses each still holds. */
export async function poolsOfSource(db: Database, scope: Scope, sourceId: string): Promise<PoolToRemove[]> {
  return db
    .select({ id: pools.id, name: pools.name, accessGroupId: pools.accessGroupId, licenses: count(licenses.id) })
    .from(pools)
    .leftJoin(licenses, and(eq(licenses.poolId, pools.id), notInArray(licenses.state, [...finalLicenseStates])))
    .where(and(scope.pools(), eq(pools.sourceId, sourceId)))
    .groupBy(pools.id)
    .orderBy(asc(pools.name), asc(pools.id));
}

/** 409 naming every pool that would be removed, and how to confirm. */
export const removalNeedsConfirmation = (sourceId: string, doomed: PoolToRemove[]) =>
  new Problem(
    409,
    'confirmation_required',
    'Deleting this license removes every pool of its source',
    `The license came from source ${sourceId}; upstream, deleting one of its licenses removes all of the source's pools (R14). ` +
      `${doomed.length} pool(s) with ${doomed.reduce((sum, pool) => sum + pool.licenses, 0)} live license(s) would be removed. Repeat with ?confirm=true to remove them.`,
    { pools: doomed },
  );

/**
 * Deletes every live license of the pools, each through `deleteOne` (its workflow's Update), a
 * few at a time. A key scoped to access groups removes only what it may see (R2).
 */
export async function removePools(db: Database, scope: Scope, doomed: PoolToRemove[], deleteOne: (licenseId: string) => Promise<unknown>): Promise<void> {
  if (doomed.length === 0) return;
  const live = await db
    .select({ id: licenses.id })
    .from(licenses)
    .where(and(scope.licenses(), inArray(licenses.poolId, doomed.map((pool) => pool.id)), notInArray(licenses.state, [...finalLicenseStates])));
  const queue = live.map((row) => row.id);
  const worker = async () => {
    for (let id = queue.shift(); id; id = queue.shift()) await deleteOne(id);
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** `?confirm=true` on DELETE /v1/licenses/:id (R14). */
export const confirmQuery = z.object({
  confirm: z.enum(['true', 'false']).optional().describe("Required as `true` to delete a license that came from a source: every pool of that source is removed too (R14)"),
});

/**
 * The check a license deletion runs first (R14): a license that came from a source needs
 * `confirm=true`, and then the live licenses of every pool of its source go before it does.
 * A license the machine will not delete is left to the deletion's own 409, and nothing else goes.
 */
export function sourceRemovalPrecheck(db: Database, temporal: Client) {
  return async (ctx: Context, caller: Caller, row: LicenseRow): Promise<boolean> => {
    const { confirm } = parseInput(confirmQuery, ctx.query);
    if (!row.sourceId) return true;
    const scope = scopeOf(caller);
    const doomed = await poolsOfSource(db, scope, row.sourceId);
    if (confirm !== 'true') throw removalNeedsConfirmation(row.sourceId, doomed);
    const snapshot = await projectedSnapshot(db, row, LicenseLifecycle.restore);
    if (!LicenseLifecycle.canApply(snapshot, { type: 'delete', at: Date.now() })) return true;
    const request = { actor: actorOf(caller) };
    await removePools(db, scope, doomed, async (licenseId) => {
      if (licenseId === row.id) return;
      await temporal.workflow.getHandle(licenseWorkflowId(licenseId)).executeUpdate(deleteLicense, { args: [request] }).catch(keptByTheMachine);
    });
    return true;
  };
}

/** One the machine keeps (R13) or that was deleted meanwhile stays as it is; the rest still go. */
function keptByTheMachine(error: unknown): void {
  const refused = error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === ILLEGAL_OPERATION;
  // Deleted meanwhile: its workflow has completed, and an Update finds none to run in.
  if (!refused && !(error instanceof WorkflowNotFoundError)) throw error;
}
