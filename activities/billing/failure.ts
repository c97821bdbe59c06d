// ConnectWise errors as the failures workflows and the API branch on: only an unavailable
// ConnectWise is worth retrying; the others say what to fix.
import { ApplicationFailure } from '@temporalio/activity';
import { billingFailures, LONGEST_WAIT_FOR_A_CALLER_MS, type ConnectWiseFailureDetails } from '../../machines/billing/contract.js';
import { ConnectWiseError, type ConnectWiseErrorKind } from './connectwise-client.js';

const failureTypes: Record<ConnectWiseErrorKind, string> = {
  auth: billingFailures.connectWiseAuth,
  not_found: billingFailures.connectWiseNotFound,
  rejected: billingFailures.connectWiseRejected,
  unavailable: billingFailures.connectWiseUnavailable,
};

export function failureTypeOf(error: ConnectWiseError): string {
  return failureTypes[error.kind];
}

/**
 * The type for an attempt a caller may be waiting on. A long Retry-After has a type of its own,
 * so that each retry policy decides: background work waits as long as asked, a caller's
 * workflow (send now, a lookup) stops and hands the wait to its caller as Retry-After.
 */
export function failureTypeTellingLongWaits(error: ConnectWiseError): string {
  return (error.retryAfterMs ?? 0) > LONGEST_WAIT_FOR_A_CALLER_MS ? billingFailures.connectWiseUnavailableForLong : failureTypeOf(error);
}

/**
 * A ConnectWiseError as an ApplicationFailure, typed by `typeOf`; anything else is rethrown as
 * it is. The Retry-After rides in the details too: Temporal does not carry nextRetryDelay to
 * the workflow, nor to the API waiting on it.
 */
export function asFailure(error: unknown, typeOf: (error: ConnectWiseError) => string = failureTypeOf): unknown {
  if (!(error instanceof ConnectWiseError)) return error;
  const details: ConnectWiseFailureDetails = { retryAfterMs: error.retryAfterMs ?? null };
  return ApplicationFailure.create({
    message: error.message,
    type: typeOf(error),
    nonRetryable: !error.retryable,
    nextRetryDelay: error.retryAfterMs,
    details: [details],
    cause: error,
  });
}
