// What an account workflow is started with and answers: the contract its workflow, the activities
// that persist it and the API share, below all three.
import type { AccountContext, AccountState } from './machine.js';
import { lifecycleWorkflowId, type CarryOver, type LifecycleInput, type LifecycleView, type Operation, type SubjectFacts } from '../lifecycle/contract.js';

/** What an account is, apart from its lifecycle and its seats; fixed at creation. */
export interface AccountFacts extends SubjectFacts {
  name: string;
  term: 'annual' | 'monthly';
}

export type AccountCarryOver = CarryOver<AccountState, AccountContext>;

/** How an account starts, and who created it. */
export interface AccountCreation {
  actor: string;
  seatsRequested: number;
  startInTrial: boolean;
  /** The license group as the API read it; the workflow re-reads it at once, so a stale answer heals. */
  hasEligibleLicense: boolean;
}

export type AccountLifecycleInput = LifecycleInput<AccountFacts, AccountCreation, AccountCarryOver>;

export interface AccountView extends LifecycleView<AccountState> {
  protected: boolean;
  seatsRequested: number;
}

export type SeatsRequest = Operation & { seatsRequested: number };

export const accountWorkflowId = (accountId: string) => lifecycleWorkflowId('account', accountId);

