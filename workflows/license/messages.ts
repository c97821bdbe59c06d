// What the license workflow accepts and answers. The API imports these definitions, never strings.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { AccountType } from '../../machines/capabilities.js';
import type { LicenseContext, LicenseState } from '../../machines/license/index.js';
import type { RenewalTerms } from '../../machines/license/renewal.js';
import type { LifecyclePolicy } from '../../machines/policy.js';

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
  sourceId: string | null;
}

/** Where a run picks up after continueAsNew. */
export interface LicenseCarryOver {
  state: LicenseState;
  /** The machine's context without its policy: the next cycle runs on the policy's current version. */
  context: Omit<LicenseContext, 'policy'>;
  revision: number;
}

export interface LicenseLifecycleInput {
  license: LicenseFacts;
  policy: LifecyclePolicy;
  /** First run only: when the issued term ends, and who issued it. */
  issue?: { expiresAt: number; actor: string };
  carryOver?: LicenseCarryOver;
}

export interface LicenseView {
  id: string;
  state: LicenseState;
  expiresAt: string;
  cycle: number;
  revision: number;
  nextDeadline: { event: string; at: string } | null;
  noticesThisCycle: string[];
}

export interface Operation {
  actor: string;
}

export type RenewRequest = Operation & { terms: RenewalTerms };

export const renewLicense = defineUpdate<LicenseView, [RenewRequest]>('renew');
export const suspendLicense = defineUpdate<LicenseView, [Operation]>('suspend');
export const resumeLicense = defineUpdate<LicenseView, [Operation]>('resume');
export const cancelLicense = defineUpdate<LicenseView, [Operation]>('cancel');
/** Answers once the license's first state is written, so the caller of issue reads its own write. */
export const licenseRecorded = defineUpdate<LicenseView>('recorded');
export const licenseState = defineQuery<LicenseView>('state');

/** Failure type an Update raises when the machine refuses the operation; the API answers 409. */
export const ILLEGAL_TRANSITION = 'IllegalTransition';

export const licenseWorkflowId = (licenseId: string) => `license:${licenseId}`;
