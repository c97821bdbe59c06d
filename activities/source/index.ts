// Every activity of a source: its verification, and for a sync: staging the upstream read, the one reconciling transaction, telling
// license workflows, and the operation around them.
import type { Database } from '../../db/client.js';
import type { Logger } from '../../platform/logger.js';
import type { CredentialCipher } from '../../platform/source/credentials.js';
import type { LocalWorker } from '../../platform/lifecycle/first-state.js';
import { createSyncOperationActivities } from './operation.js';
import { createReconcileActivities } from './reconcile.js';
import { createStagingActivities } from './stage.js';
import { createTellActivities } from './tell.js';
import { createVerifyActivities } from './verify.js';

export function createSourceActivities(db: Database, logger: Logger, credentials: CredentialCipher | undefined, localWorker?: LocalWorker) {
  return {
    ...createSyncOperationActivities(db),
    ...createStagingActivities(db, credentials),
    ...createReconcileActivities(db),
    ...createTellActivities(db, logger, localWorker),
    ...createVerifyActivities(db, credentials),
  };
}

export type SourceActivities = ReturnType<typeof createSourceActivities>;
