// How a notice is delivered, wherever it is delivered from: the activity that sends one outbox
// row, retried with backoff through an SMTP outage of any length, stopped at once by what no
// retry can fix (R19). Lifecycle workflows run it themselves (workflows/lifecycle/notices.ts);
// the one-workflow-per-notice runs that older lifecycles started still use it too.
import { proxyActivities } from '@temporalio/workflow';
import type { NoticeActivities } from '../../activities/notice/deliver.js';
import { MAIL_REJECTED, NO_RECIPIENTS, UNDELIVERABLE_NOTICE } from '../../machines/notice/delivery.js';

export const { deliverNotice } = proxyActivities<NoticeActivities>({
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
