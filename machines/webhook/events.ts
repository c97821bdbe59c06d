// The event types a webhook can subscribe to: the audit log's action names
// (license.renewed, account.grace_started …), a family wildcard (license.*), or *.
import { lifecycleEventNames } from '../lifecycle/event-names.js';

/** Families of events; a subscription to `<family>.*` receives every event of the family. */
export const eventFamilies = ['license', 'account', 'sync', 'billing'] as const;

const ANY_EVENT = '*';
const lifecycleEventTypes = new Set<string>([...lifecycleEventNames('license'), ...lifecycleEventNames('account')]);
// Events of other families are named by their own workflows; their names follow the same shape.
const namedLikeAnEvent = /^(sync|billing)\.[a-z][a-z_]*$/;

export function isEventPattern(pattern: string): boolean {
  if (pattern === ANY_EVENT) return true;
  if (eventFamilies.some((family) => pattern === `${family}.*`)) return true;
  return lifecycleEventTypes.has(pattern) || namedLikeAnEvent.test(pattern);
}

/** The subscription patterns that receive an event of this type. */
export function patternsMatching(eventType: string): string[] {
  const family = eventType.split('.')[0];
  return [eventType, `${family}.*`, ANY_EVENT];
}
