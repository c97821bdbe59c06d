// What `POST /v1/sources` answers when the upstream check fails (R4): the caller's credentials
// or URL named as the field to fix, or a 503 when the vendor is down or cannot be reached for now.
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { upstreamFailureTypes, type UnavailableReason } from '../../machines/source/upstream.js';
import { invalidInput, Problem } from '../problem.js';

export function verificationProblem(error: unknown): Problem {
  if (!(error instanceof WorkflowFailedError)) throw error;
  let cause: unknown = error.cause;
  while (cause instanceof Error && !(cause instanceof ApplicationFailure)) cause = cause.cause;
  const failure = cause instanceof ApplicationFailure ? cause : undefined;
  const detail = failure?.message ?? error.message;
  switch (failure?.type) {
    case upstreamFailureTypes.noCompanies:
      return invalidInput([{ field: 'credentials', message: `R4: these credentials read no company (${detail}); read access to at least one company is needed, access to the parent company is not` }]);
    case upstreamFailureTypes.authFailed:
      return invalidInput([{ field: 'credentials', message: `the vendor refused these credentials (${detail})` }]);
    case upstreamFailureTypes.unavailable:
      // The URL answered, but not as the vendor's API does (a 404, a page that is no feed): the URL is what to fix.
      if (failure?.details?.[0] === ('invalid_response' satisfies UnavailableReason)) {
        return invalidInput([{ field: 'baseUrl', message: `does not answer as the vendor's API does (${detail})` }]);
      }
      return new Problem(503, 'upstream_unavailable', 'The vendor could not verify the source now', `${detail}. Nothing was saved; try again later, or check baseUrl.`, { field: 'baseUrl' });
    default:
      return invalidInput([{ field: 'baseUrl', message: `the source could not be verified (${detail})` }]);
  }
}
