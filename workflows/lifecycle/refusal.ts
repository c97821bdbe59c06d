import { ApplicationFailure } from '@temporalio/workflow';

/**
 * What an Update raises when the lifecycle refuses an operation: not retryable, with a type the
 * API answers 409 for. `subject` reads in the message: "cannot renew a license that is deleted".
 */
export function operationRefused(failureType: string, subject: string, operation: string, state: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: failureType,
    message: `cannot ${operation} ${subject} that is ${state}`,
    details: [{ state, operation }],
    nonRetryable: true,
  });
}
