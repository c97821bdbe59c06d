// The "Verify" and "Configure" of seed 001: finds a company in ConnectWise by identifier and
// lists its agreements with their additions, so settings map products to additions that exist.
import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '../../db/client.js';
import { billingFailures, type ConnectWiseLookup, type ConnectWiseLookupRequest } from '../../machines/billing/contract.js';
import { connectionOf } from '../../platform/billing/store.js';
import type { CredentialCipher } from '../../platform/source/credentials.js';
import { withBoundedConcurrency } from '../../platform/concurrency.js';
import { ConnectWiseClient } from './connectwise-client.js';
import { asFailure, failureTypeTellingLongWaits } from './failure.js';

/**
 * Agreements whose additions are read at the same time: a company with dozens of agreements
 * would otherwise fire them all at once and meet ConnectWise's rate limit.
 */
const ADDITION_READS_AT_ONCE = 4;

export async function connectWiseClientFor(db: Database, cipher: CredentialCipher | undefined, partnerId: string): Promise<ConnectWiseClient> {
  if (!cipher) throw ApplicationFailure.nonRetryable('this worker has no credential key (TENURE_CREDENTIALS_KEY) to open ConnectWise keys with', billingFailures.notConfigured);
  const connection = await connectionOf(db, cipher, partnerId);
  if (!connection) {
    throw ApplicationFailure.nonRetryable('save the partner-wide ConnectWise settings first', billingFailures.notConfigured);
  }
  return new ConnectWiseClient({ ...connection, timeoutMs: 20_000 });
}

export function createConnectWiseLookupActivities(db: Database, cipher: CredentialCipher | undefined) {
  return {
    async lookUpConnectWiseCompany(request: ConnectWiseLookupRequest): Promise<ConnectWiseLookup> {
      const client = await connectWiseClientFor(db, cipher, request.partnerId);
      try {
        const company = await client.findCompany(request.identifier);
        if (!company) return { company: null, agreements: [] };
        const agreements = await client.listAgreements(company.id);
        const listed = await withBoundedConcurrency(agreements, ADDITION_READS_AT_ONCE, async (agreement) => ({
          id: agreement.id,
          name: agreement.name,
          type: agreement.type?.name ?? null,
          additions: (await client.listAdditions(agreement.id)).map((addition) => ({
            id: addition.id,
            product: addition.product.identifier ?? addition.product.name ?? String(addition.product.id),
            quantity: addition.quantity,
            description: addition.description ?? null,
          })),
        }));
        return { company: { id: company.id, identifier: company.identifier, name: company.name }, agreements: listed };
      } catch (error) {
        throw asFailure(error, failureTypeTellingLongWaits);
      }
    },
  };
}
