// Every activity the worker offers, built around the process's database and mail transport.
import type { Database } from '../db/client.js';
import type { Logger } from '../runtime/logger.js';
import type { Mailer } from './mail/transport.js';
import { createLicenseActivities } from './licenses.js';

export interface ActivityDependencies {
  db: Database;
  logger: Logger;
  mailer: Mailer;
}

export function createActivities(deps: ActivityDependencies) {
  return {
    ...createLicenseActivities(deps.db),
  };
}
