// Where webhooks may point, from the environment: public addresses only, https in production,
// plus TENURE_WEBHOOK_ALLOW's exceptions for local development and tests. The API checks it
// at subscription, the worker again after DNS at every delivery.
import { targetPolicy, type TargetPolicy } from '../platform/network/address-guard.js';
import { ConfigError, isProduction, type Config } from './config.js';

export function webhookTargets(config: Config): TargetPolicy {
  try {
    return targetPolicy({ requireHttps: isProduction(config), allow: config.TENURE_WEBHOOK_ALLOW });
  } catch (error) {
    throw new ConfigError('TENURE_WEBHOOK_ALLOW', (error as Error).message);
  }
}
