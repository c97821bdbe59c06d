// One workflow per account (`account:<id>`): it sleeps until the account's next deadline or
// until a license of its group changes, lets the machine decide what that means, writes it,
// and applies callers' operations in arrival order. Each restore opens a new cycle and
// continues as new, so an account that lives for years keeps a short history.
import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { LicenseActivities } from '../../activities/license/record.js';
import type { AccountLifecycleInput } from '../../machines/account/contract.js';
import { factsChanged } from '../lifecycle/messages.js';
import { RECORDING_ACTIVITY_OPTIONS } from '../lifecycle/transition.js';
import { AccountRecord } from './record.js';
import { accountRecorded, accountState, changeSeats, deleteAccount, licensesChanged } from './messages.js';

const { loadPolicy } = proxyActivities<LicenseActivities>(RECORDING_ACTIVITY_OPTIONS);

export async function accountLifecycle(input: AccountLifecycleInput): Promise<void> {
  const account = new AccountRecord(input);

  setHandler(accountState, () => account.view());
  setHandler(accountRecorded, async () => {
    await condition(() => account.opened);
    return account.view();
  });
  setHandler(licensesChanged, () => account.noteLicensesChanged());
  setHandler(factsChanged, (change) => account.changeFacts(change));
  setHandler(changeSeats, (request) => account.changeSeats(request.actor, request.seatsRequested), {
    validator: (request) => account.assertLegal((at) => ({ type: 'seats.changed', seatsRequested: request.seatsRequested, at })),
  });
  setHandler(deleteAccount, (request) => account.operate(request.actor, (at) => ({ type: 'delete', at })), {
    validator: (_request) => account.assertLegal((at) => ({ type: 'delete', at })),
  });

  await account.recordOpening();
  while (!account.isDeleted && !account.cycleEnded && !workflowInfo().continueAsNewSuggested) {
    await account.awaitNextEvent();
  }
  if (account.isDeleted) return condition(allHandlersFinished);
  const policy = await loadPolicy(account.policySubject);
  await condition(allHandlersFinished);
  await continueAsNew<typeof accountLifecycle>(account.nextRun(policy));
}
