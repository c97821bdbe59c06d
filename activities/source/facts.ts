// Comparing what an upstream says now with what it said before, and reading its facts in the
// shape a license holds them.
import { PERPETUAL_EXPIRES_AT, UNLIMITED_SEATS } from '../../machines/source/sync.js';
import type { UpstreamLicense } from '../../machines/source/upstream.js';

/**
 * Whether two flat fact records say the same. Field by field: jsonb does not keep the order of
 * an object's keys, and a field absent on one side equals null on the other.
 */
export function sameFacts(before: object, after: object): boolean {
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].every((key) => (a[key] ?? null) === (b[key] ?? null));
}

export function seatsOf(license: UpstreamLicense): number {
  return license.seats ?? UNLIMITED_SEATS;
}

export function expiresAtOf(license: UpstreamLicense): number {
  return license.expiresAt ?? PERPETUAL_EXPIRES_AT;
}
