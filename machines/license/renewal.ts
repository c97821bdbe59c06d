// Renewal basis: where a renewed term starts. Computed inside the workflow at the moment
// the renewal applies, so two concurrent renewals each extend the expiry the other left.
import { addDuration } from '../lifecycle/duration.js';

export type RenewalBasis = 'from_expiry' | 'from_now' | 'from_now_if_expired';

export const renewalBases: readonly RenewalBasis[] = ['from_expiry', 'from_now', 'from_now_if_expired'];

export type RenewalTerms = { expiresAt: number } | { duration: string; basis: RenewalBasis };

export function renewedExpiry(terms: RenewalTerms, currentExpiresAt: number, now: number): number {
  if ('expiresAt' in terms) return terms.expiresAt;
  const start =
    terms.basis === 'from_expiry' ? currentExpiresAt
    : terms.basis === 'from_now' ? now
    : Math.max(currentExpiresAt, now);
  return addDuration(start, terms.duration);
}
