// Shared set-up of partner API tests: keys of each role and managed partners.
import type { Tenure } from '../support/tenure.js';

export interface IssuedKey {
  id: string;
  secret: string;
}

export async function createKey(
  tenure: Tenure,
  role: 'admin' | 'operator' | 'viewer',
  options: { key?: string; accessGroupIds?: string[] } = {},
): Promise<IssuedKey> {
  const answer = await tenure.api(
    'POST',
    '/v1/api-keys',
    { name: `${role} key`, role, ...(options.accessGroupIds ? { accessGroupIds: options.accessGroupIds } : {}) },
    { key: options.key },
  );
  if (answer.status !== 201) throw new Error(`key not created: ${JSON.stringify(answer.body)}`);
  return { id: answer.body.id, secret: answer.body.secret };
}

/** A managed partner of the key's partner, with its first admin key. */
export async function createManagedPartner(tenure: Tenure, name: string, options: { key?: string } = {}): Promise<{ id: string; adminKey: IssuedKey }> {
  const answer = await tenure.api('POST', '/v1/partners', { name }, { key: options.key });
  if (answer.status !== 201) throw new Error(`partner not created: ${JSON.stringify(answer.body)}`);
  return { id: answer.body.id, adminKey: { id: answer.body.adminKey.id, secret: answer.body.adminKey.secret } };
}

export async function issueLicense(tenure: Tenure, companyId: string, options: { key?: string } = {}): Promise<string> {
  const answer = await tenure.api('POST', '/v1/licenses', { companyId, product: 'endpoint-protection', seats: 10, term: 'annual', duration: 'P1Y' }, options);
  if (answer.status !== 201) throw new Error(`license not issued: ${JSON.stringify(answer.body)}`);
  return answer.body.id;
}

export async function createCompanyAs(tenure: Tenure, key: string, name: string): Promise<string> {
  const answer = await tenure.api('POST', '/v1/companies', { name }, { key });
  if (answer.status !== 201) throw new Error(`company not created: ${JSON.stringify(answer.body)}`);
  return answer.body.id;
}
