// Objects of every kind the document's paths name, made by the fuzzing's caller, so that
// generated requests reach real licenses, companies and keys and not only 404s.
import fc from 'fast-check';
import type { Tenure } from '../support/tenure.js';
import { PRODUCT, createCompany, createKey, createManagedPartner, createPolicy, inSeconds } from '../support/setup.js';
import type { IdsFor } from './fuzz-values.js';

/** Ids by the collection that names them in a path: `/v1/licenses/{id}` → `licenses`. */
export type KnownObjects = Record<string, string>;

export async function makeKnownObjects(tenure: Tenure): Promise<KnownObjects> {
  const policies = await createPolicy(tenure, { grace: 'PT1H', suspension: 'PT2H', expiryNotices: ['PT1H'], deletionNotice: 'PT1H' });
  const companies = await createCompany(tenure, { name: 'Fuzz Corp', noticeEmails: [], policyId: policies });
  // What cannot be made is fuzzed with ids that do not exist (a webhook target Tenure refuses, say).
  const created = async (path: string, body: unknown) => (await tenure.api('POST', path, body)).body.id as string | undefined;
  const known: Record<string, string | undefined> = {
    policies,
    companies,
    licenses: await created('/v1/licenses', { companyId: companies, policyId: policies, product: PRODUCT, seats: 5, term: 'annual', expiresAt: inSeconds(30 * 86_400) }),
    accounts: await created('/v1/accounts', { companyId: companies, product: PRODUCT, name: 'Fuzz tenant', seatsRequested: 5, term: 'annual' }),
    'api-keys': (await createKey(tenure, 'viewer')).id,
    partners: (await createManagedPartner(tenure, 'Fuzz managed MSP')).id,
    'access-groups': await created('/v1/access-groups', { name: 'Fuzz group' }),
    webhooks: await created('/v1/webhooks', { url: 'https://hooks.example.com/tenure', events: ['license.*'] }),
  };
  return Object.fromEntries(Object.entries(known).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** The collection a body field or query parameter names ids of. */
const collectionOfField: Record<string, string> = {
  companyId: 'companies',
  parentId: 'companies',
  policyId: 'policies',
  accessGroupId: 'access-groups',
  accessGroupIds: 'access-groups',
  partnerId: 'partners',
  subjectId: 'licenses',
  licenseId: 'licenses',
  accountId: 'accounts',
};

/** Mostly the known object of the field's kind; sometimes another kind's, or an id nobody has. */
export function idsFrom(known: KnownObjects): IdsFor {
  const all = Object.values(known);
  return (field) => {
    const own = field ? known[collectionOfField[field] ?? ''] : undefined;
    const others = [{ weight: 2, arbitrary: fc.constantFrom(...all) }, { weight: 1, arbitrary: fc.uuid({ version: 4 }) }];
    return own ? fc.oneof({ weight: 6, arbitrary: fc.constant(own) }, ...others) : fc.oneof(...others);
  };
}

/** The path with known objects in it: `{id}` after `licenses` is the known license. */
export const concretePath = (path: string, known: KnownObjects, segmentFor: (collection: string) => string = (collection) => known[collection] ?? crypto.randomUUID()) =>
  path.replace(/([^/]+)\/\{(\w+)\}/g, (_, collection: string) => `${collection}/${segmentFor(collection)}`);
