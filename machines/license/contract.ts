// What a license workflow is started with and answers: the contract its workflow, the activities
// that persist it and the API share, below all three.
import type { AccountType } from '../lifecycle/capabilities.js';
import type { LicenseContext, LicenseState, LicenseTerm, PaidTerm } from './machine.js';
import type { RenewalTerms } from './renewal.js';
import { lifecycleWorkflowId, type CarryOver, type LifecycleInput, type LifecycleView, type Operation, type SubjectFacts } from '../lifecycle/contract.js';

/** What a license is, apart from its lifecycle; fixed at issue. */
export interface LicenseFacts extends SubjectFacts {
  seats: number;
  owner: 'partner' | 'customer';
  tag: string;
  accountType: AccountType | null;
  poolId: string | null;
  accessGroupId: string | null;
  sourceId: string | null;
}

export type LicenseCarryOver = CarryOver<LicenseState, LicenseContext>;

/** How a license starts: the term issued, when it ends (a trial without one lasts the policy's trial), and who issued it. */
export interface LicenseIssue {
  term: LicenseTerm;
  expiresAt: number | null;
  actor: string;
}

export type LicenseLifecycleInput = LifecycleInput<LicenseFacts, LicenseIssue, LicenseCarryOver>;

export interface LicenseView extends LifecycleView<LicenseState> {
  expiresAt: string;
}

/** `term` names the paid term a trial converts into (M5); annual when not given. */
export type RenewRequest = Operation & { terms: RenewalTerms; term?: PaidTerm };

/** A renewal a sync read upstream: the upstream's expiry, and its term when paid (DESIGN §5). */
export type UpstreamRenewal = Operation & { expiresAt: number; term?: PaidTerm };

export const licenseWorkflowId = (licenseId: string) => lifecycleWorkflowId('license', licenseId);

