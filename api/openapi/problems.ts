// The one shape of every error answer (api/problem.ts writes it), and the problem answers
// most routes share, referenced from each operation instead of repeated.
import { z } from 'zod';

export const problemSchema = z
  .object({
    type: z.string().describe('A URI naming the kind of problem: https://tenure.dev/problems/<code>'),
    title: z.string().describe('What went wrong, for a person'),
    status: z.number().int().describe('The HTTP status, repeated'),
    code: z.string().describe('Stable, for programs to branch on: not_found, invalid_input, illegal_transition …'),
    detail: z.string().optional().describe('What to do about it'),
    field: z.string().optional().describe('The first offending field, as a dotted path (body fields, query parameters or headers)'),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe('Every offending field, when the input is invalid'),
    instance: z.string().describe('The path that was called'),
    requestId: z.string().describe('Identifies the request in our logs; also in the X-Request-Id header'),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details. Some problems add fields, e.g. `state` and `operation` for an illegal transition.' });

/** Problem answers by status, with the name they have under components/responses. */
export const sharedProblems: Record<number, { name: string; description: string }> = {
  400: { name: 'MalformedBody', description: 'The body is not valid JSON' },
  401: { name: 'Unauthorized', description: 'No valid API key: send `Authorization: Bearer <api key>`' },
  403: { name: 'Forbidden', description: "The key's role may not do this" },
  404: { name: 'NotFound', description: "No such object for the caller's partner (another partner's id answers the same)" },
  413: { name: 'BodyTooLarge', description: 'The body is larger than 1 MB' },
  415: { name: 'UnsupportedMediaType', description: 'The body is not `application/json`' },
  422: { name: 'InvalidInput', description: 'A field is invalid: `field` and `errors` name it' },
  503: { name: 'Unavailable', description: 'The database or Temporal is not answering: retry after `Retry-After` seconds (with the same Idempotency-Key for a POST)' },
};

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
