// RFC 9457 problem+json: every error a caller can cause is answered with a stable
// `code`, the offending `field` when there is one, and what to do about it.
import { status as grpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError } from '@temporalio/client';
import { isDatabaseUnavailable } from '../db/unavailable.js';

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }

  body(instance: string, requestId: string): Record<string, unknown> {
    return {
      type: `https://tenure.dev/problems/${this.code}`,
      title: this.title,
      status: this.status,
      code: this.code,
      ...(this.detail ? { detail: this.detail } : {}),
      ...this.extra,
      instance,
      requestId,
    };
  }
}

export interface FieldIssue {
  field: string;
  message: string;
}

export const invalidInput = (issues: FieldIssue[]) =>
  new Problem(422, 'invalid_input', 'The request is not valid', issues.map((i) => `${i.field}: ${i.message}`).join('; '), {
    field: issues[0]?.field,
    errors: issues,
  });

/** A field naming something of the caller's that is not there, e.g. `companyId`. */
export const fieldNotFound = (field: string) => invalidInput([{ field, message: 'does not exist' }]);

export const notFound = (what: string) => new Problem(404, 'not_found', `${what} not found`);

/**
 * For `.catch()` on a read of something a field names: its 404 becomes the field's 422, and any
 * other failure (PostgreSQL not answering: a 503 to retry) stays what it was, not the caller's mistake.
 */
export const missingAs =
  (field: string) =>
  (error: unknown): never => {
    throw error instanceof Problem && error.status === 404 ? fieldNotFound(field) : error;
  };

export const unauthorized = () =>
  new Problem(401, 'unauthorized', 'A valid API key is required', 'Send `Authorization: Bearer <api key>`.');

export const forbidden = (detail: string) => new Problem(403, 'forbidden', 'This key may not do that', detail);

/** `subject` with its article, as the title reads it: "a license", "an account". */
export const illegalTransition = (subject: string, operation: string, state: string, detail: string) =>
  new Problem(409, 'illegal_transition', `Cannot ${operation} ${subject} that is ${state}`, detail, { state, operation });

/** A method the path does not serve, whether another route serves it or none does (TRACE, PROPFIND …). */
export const methodNotAllowed = (method: string, allow: string) =>
  new Problem(405, 'method_not_allowed', `${method} is not allowed on this route`, `Allowed: ${allow}.`);

/** Temporal down or unreachable (the SDK's retries spent), or a call past the deadline of runtime/temporal.ts. */
const TEMPORAL_OUTAGE = new Set<number>([grpcStatus.UNAVAILABLE, grpcStatus.DEADLINE_EXCEEDED]);

/** True for a Temporal outage, however deep the SDK wrapped the gRPC error (a failed start, an Update's timeout). */
export function isTemporalUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && depth < 5; cause = (cause as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(cause) && TEMPORAL_OUTAGE.has(cause.code)) return true;
  }
  return false;
}

/**
 * What an outage's 503 asks the caller to wait (`Retry-After`, RFC 9110 §10.2.3): the database
 * client reconnects at least every second and a Temporal call gives up within seconds, so an
 * outage that has ended is seen by a retry this much later.
 */
export const OUTAGE_RETRY_AFTER_SECONDS = 2;

const RETRY_SHORTLY = `Try again in ${OUTAGE_RETRY_AFTER_SECONDS} seconds (Retry-After); send an Idempotency-Key with a POST so that a retry cannot repeat it.`;

/** The code of a 503 for a part of Tenure that does not answer; api/app.ts sends its Retry-After. */
export const OUTAGE_CODE = 'unavailable';

const outage = (title: string) => new Problem(503, OUTAGE_CODE, title, RETRY_SHORTLY);

/** Any error as the problem a caller sees: ours as raised, Koa's (413, 405, bad JSON) translated, anything else a 500. */
export function asProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  // An outage to wait out, not a bug: the caller may retry (with its Idempotency-Key, for a POST).
  if (isDatabaseUnavailable(error)) return outage('The database is not answering');
  if (isTemporalUnavailable(error)) return outage('Temporal is not answering');
  const status = (error as { status?: number; statusCode?: number }).status ?? (error as { statusCode?: number }).statusCode;
  if (status === 413) return new Problem(413, 'body_too_large', 'The request body is too large', 'The limit is 1 MB.');
  if (status === 415) return new Problem(415, 'unsupported_media_type', 'The body must be JSON', (error as Error).message, { field: 'Content-Type' });
  if (status === 400) {
    return new Problem(400, 'malformed_body', 'The body is not valid JSON', (error as Error).message, { field: 'body' });
  }
  return new Problem(500, 'internal', 'Something went wrong on our side', 'The request id identifies it in our logs.');
}
