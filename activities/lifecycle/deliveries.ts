// Starting the workflows that deliver what a transition wrote: one per webhook delivery, and
// one per notice (`notice:<outbox key>`, R19) for the lifecycle runs recorded before notices became
// activities of the lifecycle itself (workflows/lifecycle/notices.ts). A local activity of the lifecycle
// workflow starts them, right after the transition is written, instead of the workflow starting
// them as children: a child's start is reported back to its parent in a workflow task of its
// own, one more for every transition a mass expiry makes (issue 13). They were abandoned children
// anyway; what they deliver, and that each exists once, is the same.
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, type WorkflowStartOptions } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { noticeWorkflowId } from '../../machines/notice/delivery.js';
import { webhookDeliveryWorkflowId } from '../../machines/webhook/delivery.js';

type Keyword = Extract<SearchAttributePair, { key: { type: 'KEYWORD' } }>['key'];

/** What the lifecycle workflow hands over: the deliveries, and the names that belong to workflows. */
export interface DeliveriesToStart {
  partnerId: string;
  companyId: string;
  /** The audit action of the transition, which names its webhook event. */
  action: string;
  noticeKeys: string[];
  webhookDeliveryIds: string[];
  names: {
    noticeWorkflowType: string;
    webhookWorkflowType: string;
    searchAttributes: { partnerId: Keyword; companyId: Keyword };
  };
}

export function createDeliveryActivities() {
  return {
    async startDeliveries({ partnerId, companyId, action, noticeKeys, webhookDeliveryIds, names }: DeliveriesToStart): Promise<void> {
      const { client, info } = Context.current();
      // A retried transition finds each delivery already started, running or done: it stays the only one.
      const start = (workflowType: string, options: Omit<WorkflowStartOptions, 'taskQueue' | 'workflowIdReusePolicy'>) =>
        client.workflow.start(workflowType, { ...options, taskQueue: info.taskQueue, workflowIdReusePolicy: 'REJECT_DUPLICATE' }).then(
          () => undefined,
          (error: unknown) => {
            if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          },
        );
      await Promise.all([
        ...noticeKeys.map((key) =>
          start(names.noticeWorkflowType, {
            workflowId: noticeWorkflowId(key),
            args: [key],
            typedSearchAttributes: [
              { key: names.searchAttributes.partnerId, value: partnerId },
              { key: names.searchAttributes.companyId, value: companyId },
            ],
            staticSummary: `Notice ${key}`,
          }),
        ),
        ...webhookDeliveryIds.map((deliveryId) =>
          start(names.webhookWorkflowType, { workflowId: webhookDeliveryWorkflowId(deliveryId), args: [{ deliveryId }], staticSummary: `${action} to a webhook subscriber` }),
        ),
      ]);
    },
  };
}

export type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;
