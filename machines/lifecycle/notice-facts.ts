// The dates and durations a notice names, fixed when it falls due so a re-send tells the same
// story; a fact the subject does not have (no grace yet, no deletion date) is left out.
import type { CycleTimes } from './cycle.js';
import type { Notice } from './notices.js';

const iso = (ms: number | null): string | undefined => (ms === null ? undefined : new Date(ms).toISOString());

/**
 * `coveredUntil` is what the subject runs until: a license's expiry, an account's latest
 * eligible license expiry (which a restored account runs on).
 */
export function noticeFacts(times: CycleTimes, notice: Notice, coveredUntil: number | null): Record<string, string> {
  const facts: Record<string, string | undefined> = {
    expiresAt: iso(coveredUntil),
    graceEndsAt: iso(times.graceEndsAt),
    suspendsAt: iso(times.graceEndsAt),
    deletesAt: iso(times.deletesAt),
    grace: times.policy.grace,
    offset: notice.offset,
  };
  return Object.fromEntries(Object.entries(facts).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
