// Verifying a source before it is saved (R3, R4): its connector logs in and reads at least one
// company. Runs as an activity, like every upstream call, on the credentials the API encrypted.
import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '../../db/client.js';
import type { CredentialCipher } from '../../platform/source/credentials.js';
import { UpstreamUnavailable } from './connector.js';
import { connectorOf, sourceRow } from './load.js';

export function createVerifyActivities(db: Database, cipher: CredentialCipher | undefined) {
  return {
    async verifySourceAccess(sourceId: string): Promise<{ companiesReadable: number }> {
      const connector = connectorOf(await sourceRow(db, sourceId), cipher);
      try {
        return await connector.verify();
      } catch (error) {
        // The caller waits for the answer: say it once, with the connector's failure type (and why
        // the upstream was unavailable, which tells a wrong baseUrl from a vendor down), rather than retry.
        if (error instanceof UpstreamUnavailable) throw ApplicationFailure.nonRetryable(error.message, error.name, error.reason);
        if (error instanceof Error) throw ApplicationFailure.nonRetryable(error.message, error.name);
        throw error;
      }
    },
  };
}
