// One run of an entity workflow lives one cycle of its lifecycle: it waits for what comes
// next until the entity is deleted or a new cycle opens, which continues as new so a
// lifecycle of years keeps a short history.
import { allHandlersFinished, condition, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { LicenseActivities } from '../../activities/license/record.js';
import type { LifecyclePolicy } from '../../machines/lifecycle/policy.js';
import { RECORDING_ACTIVITY_OPTIONS } from './transition.js';

const { loadPolicy } = proxyActivities<Pick<LicenseActivities, 'loadPolicy'>>(RECORDING_ACTIVITY_OPTIONS);

export interface CyclingRecord {
  readonly cycle: number;
  readonly isDeleted: boolean;
  readonly policyId: string;
  /** Sleeps until something may change the record, and applies it. */
  awaitNextEvent(): Promise<void>;
}

/**
 * Returns once the record is deleted and every operation in flight has answered. When a new
 * cycle opens (or the history grows long) it continues as new instead, on the policy's current
 * version, once every operation in flight has answered so the state carried over is final.
 */
export async function liveCycle(record: CyclingRecord, continueAsNew: (policy: LifecyclePolicy) => Promise<never>): Promise<void> {
  const cycle = record.cycle;
  while (!record.isDeleted) {
    if (record.cycle !== cycle || workflowInfo().continueAsNewSuggested) {
      const policy = await loadPolicy(record.policyId);
      await condition(allHandlersFinished);
      return continueAsNew(policy);
    }
    await record.awaitNextEvent();
  }
  await condition(allHandlersFinished);
}
