// Shared set-up of account tests: licenses and accounts of one company's license group.
import { expect } from 'vitest';
import { eventually, type Tenure } from '../support/tenure.js';
import { createPolicy, inSeconds } from '../license/helpers.js';

export const PRODUCT = 'cloud-office-security';

export interface AccountBody {
  id: string;
  state: string;
  protected: boolean;
  cycle: number;
  seatsRequested: number;
  seatsAllocated: number;
  allocations: { licenseId: string; seats: number }[];
  overage: number;
  nextDeadline: { event: string; at: string } | null;
}

/**
 * A license policy under which licenses lapse `grace` after they expire and then stay suspended
 * for an hour: in account tests, only the accounts' own clocks matter.
 */
export const createLapsingLicensePolicy = (tenure: Tenure, grace = 'PT1S') =>
  createPolicy(tenure, { grace, suspension: 'PT1H', expiryNotices: ['PT1H'], deletionNotice: 'PT1M' });

export async function issueLicense(tenure: Tenure, fields: Record<string, unknown>): Promise<string> {
  const answer = await tenure.api('POST', '/v1/licenses', {
    product: PRODUCT, seats: 10, term: 'annual', expiresAt: inSeconds(3600), ...fields,
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id;
}

export async function createAccount(tenure: Tenure, fields: Record<string, unknown>): Promise<AccountBody> {
  const answer = await tenure.api('POST', '/v1/accounts', { product: PRODUCT, name: 'Office tenant', seatsRequested: 5, term: 'annual', ...fields });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

export const getAccount = async (tenure: Tenure, id: string): Promise<AccountBody> => (await tenure.api('GET', `/v1/accounts/${id}`)).body;

export const untilAccount = (tenure: Tenure, id: string, accept: (account: AccountBody) => boolean, timeoutMs = 20_000) =>
  eventually(() => getAccount(tenure, id), accept, { timeoutMs, intervalMs: 100 });
