// What the account workflow accepts and answers. The API and the license workflow import
// these definitions, never strings.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Operation } from '../../machines/lifecycle/contract.js';
import type { AccountView, SeatsRequest } from '../../machines/account/contract.js';

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
