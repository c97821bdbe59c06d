// Every activity the worker offers, built around the process's database and mail transport.
import type { Database } from '../db/client.js';
import type { Logger } from '../platform/logger.js';
import type { Mailer } from './notice/transport.js';
import type { Resolver, TargetPolicy } from '../platform/network/address-guard.js';
import { createLicenseActivities } from './license/record.js';
import { createAccountActivities } from './account/record.js';
import { createLicenseGroupActivities } from './account/license-group.js';
import { createNoticeActivities } from './notice/deliver.js';
import { createImmediateNotices } from './notice/immediate.js';
import { createDeliveryActivities } from './lifecycle/deliveries.js';
import { createWebhookActivities } from './webhook/deliver.js';
import { createMaintenanceActivities } from './maintenance/purge.js';
import { createPoolActivities } from './pool/move.js';
import { createSourceActivities } from './source/index.js';
import { createBillingActivities } from './billing/index.js';
import type { CredentialCipher } from '../platform/source/credentials.js';
import type { LocalWorker } from '../platform/lifecycle/first-state.js';

export interface ActivityDependencies {
  db: Database;
  logger: Logger;
  mailer: Mailer;
  /** Where webhooks may be delivered; public addresses only when absent. */
  webhookTargets?: TargetPolicy;
  /** DNS for webhook hosts; tests stand in for it to point a name at a private address. */
  resolveWebhookHost?: Resolver;
  /** Decrypts source credentials for the sync's reads (TENURE_CREDENTIALS_KEY); syncs fail without it. */
  sourceCredentials?: CredentialCipher;
  /** This worker, for eager starts: the sync starts new license workflows on it and waits for their first states. */
  localWorker?: LocalWorker;
}

export function createActivities(deps: ActivityDependencies) {
  const immediateNotices = createImmediateNotices(deps);
  return {
    ...createLicenseActivities(deps.db, immediateNotices),
    ...createAccountActivities(deps.db, immediateNotices),
    ...createLicenseGroupActivities(deps.db),
    ...createNoticeActivities(deps),
    ...createDeliveryActivities(),
    ...createMaintenanceActivities(deps.db),
    ...createWebhookActivities(deps.db, deps.webhookTargets && { policy: deps.webhookTargets, resolve: deps.resolveWebhookHost }),
    ...createPoolActivities(deps.db),
    ...createSourceActivities(deps.db, deps.logger, deps.sourceCredentials, deps.localWorker),
    ...createBillingActivities({ db: deps.db, mailer: deps.mailer, credentials: deps.sourceCredentials }),
  };
}
