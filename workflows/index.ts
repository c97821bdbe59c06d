// Every workflow the worker runs.
export { licenseLifecycle } from './license/lifecycle.js';
