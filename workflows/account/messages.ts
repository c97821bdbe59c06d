// What the account workflow accepts and answers. The API and the license workflow import
// these definitions, never strings.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AccountContext, AccountState } from '../../machines/account/machine.js';
import type { LifecyclePolicy } from '../../machines/policy.js';
import type { CarryOver, LifecycleView, Operation } from '../support/messages.js';

export type { Operation } from '../support/messages.js';

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

/**
 * A license of the account's group (same company and product) changed. It carries no data on
 * purpose: the account re-reads the whole group, so repeated or reordered signals converge.
 */
export const licensesChanged = defineSignal('licenses.changed');
export const changeSeats = defineUpdate<AccountView, [SeatsRequest]>('changeSeats');
export const deleteAccount = defineUpdate<AccountView, [Operation]>('delete');
/** Answers once the account's first state and seats are written, so the creator reads its own write. */
export const accountRecorded = defineUpdate<AccountView>('recorded');
export const accountState = defineQuery<AccountView>('state');

/** Failure type an Update raises when the lifecycle refuses the operation; the API answers 409. */
export const ILLEGAL_ACCOUNT_OPERATION = 'IllegalAccountOperation';

export const accountWorkflowId = (accountId: string) => `account:${accountId}`;
