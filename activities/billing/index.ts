// Every billing activity: ConnectWise lookups, pushes, schedules and periodic summaries.
import type { Database } from '../../db/client.js';
import type { CredentialCipher } from '../../platform/source/credentials.js';
import type { Mailer } from '../notice/transport.js';
import { createConnectWiseLookupActivities } from './lookup.js';
import { createBillingPushActivities } from './push.js';
import { createBillingScheduleActivities } from './schedule.js';
import { createSummaryActivities } from './summary.js';

/** `credentials` opens the partners' ConnectWise keys: the cipher that also seals source credentials. */
export function createBillingActivities(deps: { db: Database; mailer: Mailer; credentials?: CredentialCipher }) {
  return {
    ...createConnectWiseLookupActivities(deps.db, deps.credentials),
    ...createBillingPushActivities(deps.db, deps.credentials),
    ...createBillingScheduleActivities(deps.db),
    ...createSummaryActivities(deps.db, deps.mailer, deps.credentials),
  };
}
