// RFC 9457 problem+json: every error a caller can cause is answered with a stable
// `code`, the offending `field` when there is one, and what to do about it.
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

export const notFound = (what: string) => new Problem(404, 'not_found', `${what} not found`);

export const unauthorized = () =>
  new Problem(401, 'unauthorized', 'A valid API key is required', 'Send `Authorization: Bearer <api key>`.');

export const forbidden = (detail: string) => new Problem(403, 'forbidden', 'This key may not do that', detail);

export const illegalTransition = (operation: string, state: string, detail: string) =>
  new Problem(409, 'illegal_transition', `Cannot ${operation} a license that is ${state}`, detail, { state, operation });
