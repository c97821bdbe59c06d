// ConnectWise errors as the failures workflows and the API branch on: only an unavailable
// ConnectWise is worth retrying; the others say what to fix.
import { ApplicationFailure } from '@temporalio/activity';
import { billingFailures } from '../../machines/billing/contract.js';
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

/** A ConnectWiseError as an ApplicationFailure; anything else is rethrown as it is. */
export function asFailure(error: unknown): unknown {
  if (!(error instanceof ConnectWiseError)) return error;
  return ApplicationFailure.create({
    message: error.message,
    type: failureTypeOf(error),
    nonRetryable: !error.retryable,
    nextRetryDelay: error.retryAfterMs,
    cause: error,
  });
}
