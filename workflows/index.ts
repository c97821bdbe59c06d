// Every workflow the worker runs, in a sandbox set up first.
import './sandbox.js';
export { licenseLifecycle } from './license/lifecycle.js';
export { accountLifecycle } from './account/lifecycle.js';
export { webhookDelivery } from './webhook/delivery.js';
export { noticeDelivery } from './notice/delivery.js';
export { poolMove } from './pool/move.js';
export { syncSource } from './source/sync.js';
export { scheduledSync } from './source/scheduled.js';
export { verifySource } from './source/verify.js';
export { purgeExpired } from './maintenance/purge.js';
export { billingSchedule } from './billing/schedule.js';
export { billingSendNow } from './billing/send-now.js';
export { connectWiseLookup } from './billing/lookup.js';
export { summarySchedule } from './billing/summary.js';
