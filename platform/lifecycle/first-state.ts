// Starting a lifecycle workflow and waiting until its first state is written, in one round trip
// to Temporal (update-with-start) instead of a start and then an Update: the API's issue, its
// batch and the sync's first import share it, so every answer reads its own write (DESIGN §4).
import { WithStartWorkflowOperation, type Client, type WorkflowStartOptions } from '@temporalio/client';
import type { WorkflowIdConflictPolicy } from '@temporalio/common';

export interface FirstStateStart {
  workflowType: string;
  /** The Update that answers once the workflow has written its first state (`recorded`). */
  recordedUpdate: string;
  /** `FAIL` for a new id (a clash is a bug), `USE_EXISTING` where a retry must find the one it started. */
  options: WorkflowStartOptions & { workflowIdConflictPolicy: WorkflowIdConflictPolicy };
}

/** Resolves with the workflow's view once its first state is written. */
export function startAndAwaitFirstState<View>(client: Client, { workflowType, recordedUpdate, options }: FirstStateStart): Promise<View> {
  const startWorkflowOperation = new WithStartWorkflowOperation(workflowType, options);
  return client.workflow.executeUpdateWithStart(recordedUpdate, { startWorkflowOperation }) as Promise<View>;
}

/** Runs `work` on every item with at most `limit` of them in flight; answers in the items' order. The first failure starts no more. */
export async function withBoundedConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (error) {
        next = items.length;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
