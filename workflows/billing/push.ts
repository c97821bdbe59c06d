// Runs one push and announces it: the activity writes the push, its audit entry and its
// webhook deliveries together; this starts the deliveries. When an unavailable ConnectWise
// outlasts the retries, the push is recorded as failed rather than left pending.
import { ActivityFailure, ApplicationFailure, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { BillingPushActivities } from '../../activities/billing/push.js';
import {
  billingEvents,
  billingFailures,
  permanentBillingFailures,
  retryAfterMsOf,
  type BillingPushOutcome,
  type BillingPushRequest,
} from '../../machines/billing/contract.js';
import { startWebhookDeliveries } from '../webhook/start.js';

/** A scheduled push waits out a ConnectWise outage for hours; the worker's heartbeat shows it is alive. */
export const scheduledPushOptions: ActivityOptions = {
  startToCloseTimeout: '5m',
  heartbeatTimeout: '10s',
  scheduleToCloseTimeout: '6h',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '10m', nonRetryableErrorTypes: permanentBillingFailures },
};

/**
 * Send now answers a caller who waits: a few quick attempts, then a failed push that says why.
 * When ConnectWise asks for a long wait, the push ends at once and the caller gets the wait as
 * Retry-After, rather than an answer long after it gave up, from a push still going on.
 */
export const sendNowPushOptions: ActivityOptions = {
  startToCloseTimeout: '1m',
  heartbeatTimeout: '10s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumAttempts: 3,
    nonRetryableErrorTypes: [...permanentBillingFailures, billingFailures.connectWiseUnavailableForLong],
  },
};

const { recordBillingPushGaveUp } = proxyActivities<BillingPushActivities>({ startToCloseTimeout: '30s', retry: { maximumInterval: '1m' } });

/** Throws an ActivityFailure of type BillingNotConfigured when the settings are gone or disabled. */
export async function pushAndAnnounce(request: BillingPushRequest, options: ActivityOptions): Promise<BillingPushOutcome> {
  const { pushBilling } = proxyActivities<BillingPushActivities>(options);
  let outcome: BillingPushOutcome;
  try {
    outcome = await pushBilling(request);
  } catch (error) {
    if (!(error instanceof ActivityFailure) || failureType(error) === billingFailures.notConfigured) throw error;
    outcome = await recordBillingPushGaveUp(request, error.cause?.message ?? error.message, lastRetryAfterMsOf(error));
  }
  await startWebhookDeliveries(outcome.status === 'pushed' ? billingEvents.pushed : billingEvents.failed, outcome.webhookDeliveryIds);
  return outcome;
}

export function failureType(error: ActivityFailure): string | undefined {
  return error.cause instanceof ApplicationFailure ? (error.cause.type ?? undefined) : undefined;
}

/** The wait ConnectWise asked for on the last attempt, so send now can pass it on as Retry-After. */
function lastRetryAfterMsOf(error: ActivityFailure): number | null {
  return error.cause instanceof ApplicationFailure ? retryAfterMsOf(error.cause) : null;
}
