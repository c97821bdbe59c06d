// Every activity the worker offers, built around the process's database and mail transport.
import type { Database } from '../db/client.js';
import type { Logger } from '../platform/logger.js';
import type { Mailer } from './notice/transport.js';
import { createLicenseActivities } from './license/record.js';
import { createAccountActivities } from './account/record.js';
import { createLicenseGroupActivities } from './account/license-group.js';
import { createNoticeActivities } from './notice/deliver.js';
import { createWebhookActivities } from './webhook/deliver.js';
import { createPoolActivities } from './pool/move.js';

export interface ActivityDependencies {
  db: Database;
  logger: Logger;
  mailer: Mailer;
}

export function createActivities(deps: ActivityDependencies) {
  return {
    ...createLicenseActivities(deps.db),
    ...createAccountActivities(deps.db),
    ...createLicenseGroupActivities(deps.db),
    ...createNoticeActivities(deps),
    ...createWebhookActivities(deps.db),
    ...createPoolActivities(deps.db),
  };
}
