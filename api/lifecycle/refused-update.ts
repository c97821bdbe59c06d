// Sending an operation to a lifecycle workflow whose update validator may still refuse it.
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Problem } from '../problem.js';

/**
 * The workflow's validator has the last word: a race lost to another operation is a 409 too.
 * `answer` turns a failure type the workflow refuses with into the caller's problem, or
 * leaves it (undefined) to be answered as the error it is. `ended` answers for a workflow that
 * completed since the subject was read (a deletion that won the race), from its final state.
 */
export async function sendOrRefuse(
  send: () => Promise<unknown>,
  answer: (failureType: string, message: string) => Promise<Problem | undefined>,
  ended: () => Promise<Problem | undefined>,
): Promise<void> {
  try {
    await send();
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type) {
      const problem = await answer(error.cause.type, error.cause.message);
      if (problem) throw problem;
    }
    if (error instanceof WorkflowNotFoundError) {
      const problem = await ended();
      if (problem) throw problem;
    }
    throw error;
  }
}
