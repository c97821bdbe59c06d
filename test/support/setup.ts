// The objects most tests start from, made through the public API: policies in seconds,
// companies, licenses, accounts, keys and managed partners.
import { expect } from 'vitest';
import { eventually, type Tenure } from './tenure.js';

/** Every request helper acts as the bootstrap admin unless given another key. */
export interface As {
  key?: string;
}

export const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

export interface SecondsPolicy {
  trial?: string;
  grace?: string;
  suspension?: string;
  expiryNotices?: string[];
  deletionNotice?: string;
}

export async function createPolicy(tenure: Tenure, terms: SecondsPolicy = {}, as: As = {}): Promise<string> {
  const answer = await tenure.api('POST', '/v1/policies', {
    name: `seconds ${Math.random().toString(36).slice(2, 8)}`,
    trial: terms.trial ?? 'PT30S',
    grace: terms.grace ?? 'PT4S',
    suspension: terms.suspension ?? 'PT6S',
    expiryNotices: terms.expiryNotices ?? ['PT4S', 'PT2S'],
    deletionNotice: terms.deletionNotice ?? 'PT3S',
  }, as);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id;
}

export async function createCompany(tenure: Tenure, fields: Record<string, unknown> = {}, as: As = {}): Promise<string> {
  const answer = await tenure.api('POST', '/v1/companies', { name: 'Acme Corp', noticeEmails: ['it@acme.test'], ...fields }, as);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id;
}

/** The product licenses and accounts are of unless a test names another: one license group. */
export const PRODUCT = 'cloud-office-security';

/** An annual license of PRODUCT with 10 seats, expiring in an hour, unless `fields` say otherwise. */
export async function issueLicense(tenure: Tenure, fields: { companyId: string } & Record<string, unknown>, as: As = {}): Promise<string> {
  const answer = await tenure.api('POST', '/v1/licenses', { product: PRODUCT, seats: 10, term: 'annual', expiresAt: inSeconds(3600), ...fields }, as);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id;
}

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

export async function createAccount(tenure: Tenure, fields: { companyId: string } & Record<string, unknown>, as: As = {}): Promise<AccountBody> {
  const answer = await tenure.api('POST', '/v1/accounts', { product: PRODUCT, name: 'Office tenant', seatsRequested: 5, term: 'annual', ...fields }, as);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

export const getAccount = async (tenure: Tenure, id: string): Promise<AccountBody> => (await tenure.api('GET', `/v1/accounts/${id}`)).body;

export const untilAccount = (tenure: Tenure, id: string, accept: (account: AccountBody) => boolean, timeoutMs = 20_000) =>
  eventually(() => getAccount(tenure, id), accept, { timeoutMs, intervalMs: 100 });

/**
 * A license policy under which licenses lapse `grace` after they expire and then stay suspended
 * for an hour: in account tests, only the accounts' own clocks matter.
 */
export const createLapsingLicensePolicy = (tenure: Tenure, grace = 'PT1S') =>
  createPolicy(tenure, { grace, suspension: 'PT1H', expiryNotices: ['PT1H'], deletionNotice: 'PT1M' });

export interface IssuedKey {
  id: string;
  secret: string;
}

export async function createKey(tenure: Tenure, role: 'admin' | 'operator' | 'viewer', options: As & { accessGroupIds?: string[] } = {}): Promise<IssuedKey> {
  const answer = await tenure.api(
    'POST',
    '/v1/api-keys',
    { name: `${role} key`, role, ...(options.accessGroupIds ? { accessGroupIds: options.accessGroupIds } : {}) },
    { key: options.key },
  );
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return { id: answer.body.id, secret: answer.body.secret };
}

/** A managed partner of the key's partner, with its first admin key. */
export async function createManagedPartner(tenure: Tenure, name: string, as: As = {}): Promise<{ id: string; adminKey: IssuedKey }> {
  const answer = await tenure.api('POST', '/v1/partners', { name }, as);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return { id: answer.body.id, adminKey: { id: answer.body.adminKey.id, secret: answer.body.adminKey.secret } };
}
