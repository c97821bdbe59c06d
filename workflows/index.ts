// Every workflow the worker runs.
export { licenseLifecycle } from './license/lifecycle.js';
export { accountLifecycle } from './account/lifecycle.js';
export { webhookDelivery } from './webhooks/delivery.js';
export { noticeDelivery } from './notices/delivery.js';
