// One notice, one workflow (`notice:<outbox key>`): the send is retried with backoff through
// an SMTP outage of any length, and stops at once on what no retry can fix (R19).
import { proxyActivities } from '@temporalio/workflow';
import type { NoticeActivities } from '../../activities/notice/deliver.js';
import { MAIL_REJECTED, NO_RECIPIENTS, UNDELIVERABLE_NOTICE, type NoticeOutcome } from '../../machines/notice/delivery.js';

const { deliverNotice } = proxyActivities<NoticeActivities>({
  startToCloseTimeout: '2m',
  // The activity heartbeats while it talks SMTP: a worker that dies mid-send is retried within seconds.
  heartbeatTimeout: '5s',
  // No maximumAttempts: an outage lasts as long as it lasts, and the notice goes out after it.
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: [MAIL_REJECTED, NO_RECIPIENTS, UNDELIVERABLE_NOTICE],
  },
});

export async function noticeDelivery(key: string): Promise<NoticeOutcome> {
  return deliverNotice(key);
}
