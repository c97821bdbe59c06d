// What a account workflow is started with and answers: the contract its workflow, the activities
// that persist it and the API share, below all three.
import type { AccountContext, AccountState } from './machine.js';
import type { LifecyclePolicy } from '../lifecycle/policy.js';
import type { CarryOver, LifecycleView, Operation } from '../lifecycle/contract.js';

/** What an account is, apart from its lifecycle and its seats; fixed at creation. */
export interface AccountFacts {
  id: string;
  partnerId: string;
  companyId: string;
  companyName: string;
  product: string;
  name: string;
  term: 'annual' | 'monthly';
}

export interface AccountCarryOver extends CarryOver<AccountState, AccountContext> {
  seatsRequested: number;
}

export interface AccountLifecycleInput {
  account: AccountFacts;
  policy: LifecyclePolicy;
  /** First run only: how the account starts and who created it. */
  creation?: {
    actor: string;
    seatsRequested: number;
    startInTrial: boolean;
    /** The license group as the API read it; the workflow re-reads it at once, so a stale answer heals. */
    hasEligibleLicense: boolean;
  };
  carryOver?: AccountCarryOver;
}

export interface AccountView extends LifecycleView<AccountState> {
  protected: boolean;
  seatsRequested: number;
}

export type SeatsRequest = Operation & { seatsRequested: number };

/** Failure type an Update raises when the lifecycle refuses the operation; the API answers 409. */
export const ILLEGAL_ACCOUNT_OPERATION = 'IllegalAccountOperation';

export const accountWorkflowId = (accountId: string) => `account:${accountId}`;

