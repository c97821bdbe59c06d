// A lifecycle policy: every duration and notice offset a license or account lives by.
// Policies are data passed into workflows as input, so a running workflow stays deterministic.
import { durationMs, isFixedDuration } from './duration.js';

export interface LifecyclePolicy {
  id: string;
  version: number;
  name: string;
  /** Length of a trial (R10). */
  trial: string;
  /** Time between expiry and suspension; the subject still protects meanwhile (R11, R15). */
  grace: string;
  /** Time a suspended subject is kept before deletion (R12, R17). */
  suspension: string;
  /** Offsets before expiry at which an "expiring" notice goes out, e.g. P30D, P7D, P1D. */
  expiryNotices: string[];
  /** Offset before deletion at which the deletion warning goes out (R17). */
  deletionNotice: string;
}

export type PolicyTerms = Omit<LifecyclePolicy, 'id' | 'version' | 'name'>;

/** Defaults of DESIGN §3: 30 d trial, 14 d grace, 30 d suspension, notices at 30/7/1 d and 14 d before deletion. */
export const defaultPolicyTerms: PolicyTerms = {
  trial: 'P30D',
  grace: 'P14D',
  suspension: 'P30D',
  expiryNotices: ['P30D', 'P7D', 'P1D'],
  deletionNotice: 'P14D',
};

export interface PolicyIssue {
  field: string;
  message: string;
}

/**
 * Checks that every duration is fixed and positive and that every notice offset fits
 * inside the phase it warns about: a deletion warning must fall within suspension.
 * Expiry notices may be longer than a term (a 30-day notice on a 7-day trial is simply
 * skipped: no notice falls before its cycle starts), so they need only be positive and distinct.
 */
export function validatePolicyTerms(terms: PolicyTerms): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const positive = (field: string, value: string) => {
    if (!isFixedDuration(value)) {
      issues.push({ field, message: 'must be an ISO 8601 duration in weeks, days, hours, minutes or seconds (e.g. P14D, PT10S)' });
      return false;
    }
    if (durationMs(value) <= 0) {
      issues.push({ field, message: 'must be longer than zero' });
      return false;
    }
    return true;
  };
  positive('trial', terms.trial);
  positive('grace', terms.grace);
  const suspensionOk = positive('suspension', terms.suspension);
  terms.expiryNotices.forEach((offset, index) => positive(`expiryNotices.${index}`, offset));
  const offsets = terms.expiryNotices.filter(isFixedDuration).map(durationMs);
  if (new Set(offsets).size !== offsets.length) {
    issues.push({ field: 'expiryNotices', message: 'offsets must be distinct' });
  }
  if (positive('deletionNotice', terms.deletionNotice) && suspensionOk) {
    if (durationMs(terms.deletionNotice) >= durationMs(terms.suspension)) {
      issues.push({ field: 'deletionNotice', message: 'must be shorter than suspension, so the warning falls while suspended' });
    }
  }
  return issues;
}
