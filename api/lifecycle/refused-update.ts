// Sending an operation to a lifecycle workflow whose update validator may still refuse it.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Problem } from '../problem.js';

/**
 * The workflow's validator has the last word: a race lost to another operation is a 409 too.
 * `answer` turns a failure type the workflow refuses with into the caller's problem, or
 * leaves it (undefined) to be answered as the error it is.
 */
export async function sendOrRefuse(send: () => Promise<unknown>, answer: (failureType: string, message: string) => Problem | undefined): Promise<void> {
  try {
    await send();
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type) {
      const problem = answer(error.cause.type, error.cause.message);
      if (problem) throw problem;
    }
    throw error;
  }
}
