// What the license workflow accepts and answers. The API imports these definitions, never strings.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { AccountType } from '../../machines/capabilities.js';
import type { LicenseContext, LicenseState } from '../../machines/license/index.js';
import type { RenewalTerms } from '../../machines/license/renewal.js';
import type { LifecyclePolicy } from '../../machines/policy.js';
import type { CarryOver, LifecycleView, Operation } from '../support/messages.js';

export type { Operation } from '../support/messages.js';

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
