// Every activity the worker offers, built around the process's database and mail transport.
import type { Database } from '../db/client.js';
import type { Logger } from '../runtime/logger.js';
import type { Mailer } from './mail/transport.js';
import { createLicenseActivities } from './licenses.js';
import { createAccountActivities } from './accounts.js';
import { createLicenseGroupActivities } from './licenseGroups.js';
import { createNoticeActivities } from './mail/deliver.js';
import { createWebhookActivities } from './webhooks.js';

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
  };
}
