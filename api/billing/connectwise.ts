// Asking ConnectWise through the lookup workflow (the API does no vendor I/O itself), and its
// failures as the problems a caller can act on.
import { ApplicationFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import type { Context } from 'koa';
import type { connectWiseLookup } from '../../workflows/billing/lookup.js';
import { billingFailures, retryAfterMsOf, type ConnectWiseLookup } from '../../machines/billing/contract.js';
import { invalidInput, Problem } from '../problem.js';

/** Answers the caller's `ctx` with ConnectWise's Retry-After when ConnectWise is unavailable and named one (R27). */
export async function lookUpConnectWise(ctx: Context, temporal: Client, taskQueue: string, partnerId: string, identifier: string): Promise<ConnectWiseLookup> {
  try {
    return await temporal.workflow.execute<typeof connectWiseLookup>('connectWiseLookup', {
      workflowId: `connectwise-lookup:${crypto.randomUUID()}`,
      taskQueue,
      args: [{ partnerId, identifier }],
      staticSummary: `ConnectWise lookup of "${identifier}"`,
    });
  } catch (error) {
    const failure = failureOf(error);
    if (failure) passOnRetryAfter(ctx, retryAfterMsOf(failure));
    throw connectWiseProblem(error);
  }
}

/** The wait ConnectWise asked for, in the whole seconds of a Retry-After, so the caller comes back when it may succeed. */
export function passOnRetryAfter(ctx: Context, retryAfterMs: number | null): void {
  if (retryAfterMs !== null) ctx.set('Retry-After', String(Math.ceil(retryAfterMs / 1000)));
}

/** The failure type a workflow's activity raised, found along the chain of causes. */
export function failureOf(error: unknown): ApplicationFailure | undefined {
  if (!(error instanceof WorkflowFailedError)) return undefined;
  let cause: unknown = error.cause;
  while (cause instanceof Error && !(cause instanceof ApplicationFailure)) cause = cause.cause;
  return cause instanceof ApplicationFailure ? cause : undefined;
}

export function connectWiseProblem(error: unknown): Problem {
  const failure = failureOf(error);
  if (!failure) throw error;
  switch (failure.type) {
    case billingFailures.notConfigured:
      return notConfigured(failure.message);
    case billingFailures.connectWiseAuth:
      return new Problem(409, 'connectwise_auth_failed', 'ConnectWise refused the partner settings', `${failure.message}. Fix them with PUT /v1/partner/integrations/connectwise.`);
    case billingFailures.connectWiseUnavailable:
    case billingFailures.connectWiseUnavailableForLong:
      return new Problem(503, 'connectwise_unavailable', 'ConnectWise could not be reached now', `${failure.message}. Nothing was saved or pushed; try again later.`);
    default:
      return invalidInput([{ field: 'identifier', message: `ConnectWise refused it (${failure.message})` }]);
  }
}

/** R27: billing needs saved settings. */
export function notConfigured(detail: string): Problem {
  return new Problem(409, 'connectwise_not_configured', 'ConnectWise billing is not set up', detail);
}
