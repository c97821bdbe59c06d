// Waits for the moments a test can compute from a subject's own times, for checks that
// something did not happen by then ("the old cycle's suspension would have fallen by now").
import type { Client } from '@temporalio/client';
import { eventually } from './tenure.js';

/** Past a deadline by this much: timers fire on time, the workflow task and the write that follow take a moment. */
export const SETTLING_MS = 1_000;

/** Resolves once `deadline` (epoch ms) plus SETTLING_MS has passed. */
export async function pastDeadline(deadline: number): Promise<void> {
  const wait = deadline + SETTLING_MS - Date.now();
  if (wait > 0) await new Promise((done) => setTimeout(done, wait));
}

/** Resolves once none of the workflows has an activity or a workflow task in flight: whatever they were doing is written. */
export async function untilIdle(client: Client, workflowIds: readonly string[], timeoutMs = 20_000): Promise<void> {
  await eventually(
    () =>
      Promise.all(
        workflowIds.map(async (workflowId) => {
          const { raw } = await client.workflow.getHandle(workflowId).describe();
          return (raw.pendingActivities?.length ?? 0) === 0 && !raw.pendingWorkflowTask;
        }),
      ),
    (idle) => idle.every(Boolean),
    { timeoutMs, intervalMs: 100 },
  );
}
