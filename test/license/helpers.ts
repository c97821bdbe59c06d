// Shared set-up of license tests: a company and a policy in seconds.
import type { Tenure } from '../support/tenure.js';

export interface SecondsPolicy {
  trial?: string;
  grace?: string;
  suspension?: string;
  expiryNotices?: string[];
  deletionNotice?: string;
}

export async function createPolicy(tenure: Tenure, terms: SecondsPolicy = {}): Promise<string> {
  const answer = await tenure.api('POST', '/v1/policies', {
    name: `seconds ${Math.random().toString(36).slice(2, 8)}`,
    trial: terms.trial ?? 'PT30S',
    grace: terms.grace ?? 'PT4S',
    suspension: terms.suspension ?? 'PT6S',
    expiryNotices: terms.expiryNotices ?? ['PT4S', 'PT2S'],
    deletionNotice: terms.deletionNotice ?? 'PT3S',
  });
  if (answer.status !== 201) throw new Error(`policy not created: ${JSON.stringify(answer.body)}`);
  return answer.body.id;
}

export async function createCompany(tenure: Tenure, fields: Record<string, unknown> = {}): Promise<string> {
  const answer = await tenure.api('POST', '/v1/companies', { name: 'Acme Corp', noticeEmails: ['it@acme.test'], ...fields });
  if (answer.status !== 201) throw new Error(`company not created: ${JSON.stringify(answer.body)}`);
  return answer.body.id;
}

export const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
