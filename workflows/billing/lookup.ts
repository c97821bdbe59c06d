// Asks ConnectWise for a company and its agreements on behalf of the API, which does no
// vendor I/O itself (DESIGN §4): verification of an identifier, and the additions to map to.
import { proxyActivities } from '@temporalio/workflow';
import type { createConnectWiseLookupActivities } from '../../activities/billing/lookup.js';
import { billingFailures, permanentBillingFailures, type ConnectWiseLookup, type ConnectWiseLookupRequest } from '../../machines/billing/contract.js';

// A caller waits on every lookup (saving settings, listing agreements): when ConnectWise asks
// for a long wait, the lookup fails at once and the caller gets the wait as Retry-After (R27).
const { lookUpConnectWiseCompany } = proxyActivities<ReturnType<typeof createConnectWiseLookupActivities>>({
  startToCloseTimeout: '45s',
  retry: {
    initialInterval: '1s',
    maximumAttempts: 2,
    nonRetryableErrorTypes: [...permanentBillingFailures, billingFailures.connectWiseUnavailableForLong],
  },
});

export async function connectWiseLookup(request: ConnectWiseLookupRequest): Promise<ConnectWiseLookup> {
  return lookUpConnectWiseCompany(request);
}
