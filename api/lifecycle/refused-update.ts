// Sending an operation to a lifecycle workflow whose update validator may still refuse it.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Problem } from '../problem.js';

/**
 * The workflow's validator has the last word: a race lost to another operation is a 409 too.
 * `illegalType` is the failure type the workflow refuses with; `refusal` answers its reason.
 */
export async function sendOrRefuse(send: () => Promise<unknown>, illegalType: string, refusal: (reason: string) => Problem): Promise<void> {
  try {
    await send();
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === illegalType) {
      throw refusal(error.cause.message);
    }
    throw error;
  }
}
