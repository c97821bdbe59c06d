// What a source's daily Temporal Schedule starts (R21): the source's one sync workflow,
// `sync:<sourceId>`, as a child it abandons. A sync already running (one asked for on demand)
// covers the day, so the scheduled run then does nothing.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { executeChild, ParentClosePolicy } from '@temporalio/workflow';
import { syncWorkflowId } from '../../machines/source/sync.js';
import { SourceId } from '../search-attributes.js';
import { syncSource } from './sync.js';

export const SCHEDULE_ACTOR = 'system:schedule';

export async function scheduledSync(sourceId: string): Promise<void> {
  try {
    await executeChild(syncSource, {
      workflowId: syncWorkflowId(sourceId),
      args: [{ sourceId, trigger: 'schedule', actor: SCHEDULE_ACTOR }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `Daily sync of source ${sourceId}`,
      typedSearchAttributes: [{ key: SourceId, value: sourceId }],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
