// What a license workflow is started with and answers: the contract its workflow, the activities
// that persist it and the API share, below all three.
import type { AccountType } from '../lifecycle/capabilities.js';
import type { LicenseContext, LicenseState } from './index.js';
import type { RenewalTerms } from './renewal.js';
import type { LifecyclePolicy } from '../lifecycle/policy.js';
import type { CarryOver, LifecycleView, Operation } from '../lifecycle/contract.js';

/** What a license is, apart from its lifecycle; fixed at issue. */
export interface LicenseFacts {
  id: string;
  partnerId: string;
  companyId: string;
  companyName: string;
  product: string;
  seats: number;
  term: 'annual' | 'monthly' | 'trial';
  owner: 'partner' | 'customer';
  tag: string;
  accountType: AccountType | null;
  poolId: string | null;
  accessGroupId: string | null;
  sourceId: string | null;
}

export type LicenseCarryOver = CarryOver<LicenseState, LicenseContext>;

export interface LicenseLifecycleInput {
  license: LicenseFacts;
  policy: LifecyclePolicy;
  /** First run only: when the issued term ends, and who issued it. */
  issue?: { expiresAt: number; actor: string };
  carryOver?: LicenseCarryOver;
}

export interface LicenseView extends LifecycleView<LicenseState> {
  expiresAt: string;
}

export type RenewRequest = Operation & { terms: RenewalTerms };

/** Failure type an Update raises when the machine refuses the operation; the API answers 409. */
export const ILLEGAL_TRANSITION = 'IllegalTransition';

export const licenseWorkflowId = (licenseId: string) => `license:${licenseId}`;

