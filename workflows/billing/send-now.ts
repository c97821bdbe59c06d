// "Send now" (R27, `billing-send-now:<pushId>`): pushes exactly the lines the caller's preview
// showed, at once, and answers the outcome.
import type { BillingPushOutcome, BillingPushRequest } from '../../machines/billing/contract.js';
import { pushAndAnnounce, sendNowPushOptions } from './push.js';

export async function billingSendNow(request: BillingPushRequest): Promise<BillingPushOutcome> {
  return pushAndAnnounce(request, sendNowPushOptions);
}
