// A license's change reaches the accounts of its group (same company and product, R9): each
// is told only that something changed, and re-reads the group itself, so signals that are
// repeated or arrive out of order still leave every account where the licenses say (R15, R18).
import { ApplicationFailure, getExternalWorkflowHandle } from '@temporalio/workflow';
import { licensesChanged } from '../account/messages.js';
import { accountWorkflowId } from '../../machines/account/contract.js';

/** `accountIds` as recordLicenseTransition read them once the change was committed. */
export async function tellAccountsOfGroup(accountIds: readonly string[]): Promise<void> {
  await Promise.all(accountIds.map((id) => getExternalWorkflowHandle(accountWorkflowId(id)).signal(licensesChanged).catch(ignoreClosedAccount)));
}

/**
 * The server refuses a signal only when the account's workflow has closed, which it does once
 * the account is deleted (read as live a moment earlier): nothing is left to tell.
 */
function ignoreClosedAccount(error: unknown): void {
  if (!(error instanceof ApplicationFailure)) throw error;
}
