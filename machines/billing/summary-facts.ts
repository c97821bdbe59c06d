// What a periodic summary tells a company about one period (seed 001): its usage per product
// and its lifecycle events, and what needs attention now. Gathered by an activity, rendered
// per locale by platform/notice/digest.ts.
import type { SummaryFrequency } from './summary-dates.js';

export interface SummaryFacts {
  companyName: string;
  partnerName: string;
  frequency: SummaryFrequency;
  /** The period covered, [from, to), in ms since the epoch. */
  from: number;
  to: number;
  usage: { product: string; licenses: number; seats: number; seatsUsed: number }[];
  /** Lifecycle events of the period by audit action (license.renewed …) and how many. */
  events: { action: string; count: number }[];
  /** Licenses that protect today and expire within the look-ahead. */
  expiringSoon: { product: string; expiresAt: number }[];
  inGrace: { product: string; expiresAt: number }[];
  suspended: { product: string; expiresAt: number }[];
  /** Accounts in grace or suspended: their users are, or soon will be, unprotected (R15, R16). */
  accountsInTrouble: { name: string; product: string; state: string }[];
}

/** How far ahead "expiring soon" looks: the first expiry notice of the default policy. */
export const EXPIRING_SOON_MS = 30 * 86_400_000;
