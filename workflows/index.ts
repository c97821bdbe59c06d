// Every workflow the worker runs.
export { licenseLifecycle } from './license/lifecycle.js';
export { accountLifecycle } from './account/lifecycle.js';
export { webhookDelivery } from './webhook/delivery.js';
export { noticeDelivery } from './notice/delivery.js';
export { poolMove } from './pool/move.js';
export { purgeExpired } from './maintenance/purge.js';
