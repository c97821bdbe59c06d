// How an entity workflow hands the notices it just recorded to delivery: one child workflow
// per outbox key, abandoned on purpose so it outlives the parent's continueAsNew and deletion.
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { CompanyId, PartnerId } from '../search-attributes.js';
import { noticeDelivery } from './delivery.js';
import { noticeWorkflowId } from '../../machines/notice/delivery.js';

export interface RecordedNotices {
  partnerId: string;
  companyId: string;
  /** Outbox keys written by the transition that just committed. */
  keys: string[];
}

/** Call right after the transition (and its outbox rows) is written; resolves once every delivery has started. */
export async function startNoticeDeliveries({ partnerId, companyId, keys }: RecordedNotices): Promise<void> {
  await Promise.all(
    keys.map(async (key) => {
      try {
        await startChild(noticeDelivery, {
          workflowId: noticeWorkflowId(key),
          args: [key],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          typedSearchAttributes: [
            { key: PartnerId, value: partnerId },
            { key: CompanyId, value: companyId },
          ],
          staticSummary: `Notice ${key}`,
        });
      } catch (error) {
        // A delivery for this key is already under way (a replayed or retried transition): it stays the only one.
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
    }),
  );
}
