// One workflow per account (`account:<id>`): it sleeps until the account's next deadline or
// until a license of its group changes, lets the machine decide what that means, writes it,
// and applies callers' operations in arrival order. Each restore opens a new cycle and
// continues as new, so an account that lives for years keeps a short history.
import { continueAsNew, setHandler } from '@temporalio/workflow';
import type { AccountLifecycleInput } from '../../machines/account/contract.js';
import { AccountRecord } from './record.js';
import { accountRecorded, accountState, changeSeats, deleteAccount, licensesChanged } from './messages.js';

export async function accountLifecycle(input: AccountLifecycleInput): Promise<void> {
  const account = new AccountRecord(input);

  account.answerReads(accountState, accountRecorded);
  setHandler(licensesChanged, () => account.noteLicensesChanged());
  setHandler(changeSeats, (request) => account.changeSeats(request.actor, request.seatsRequested), {
    validator: (request) => account.assertLegal((at) => ({ type: 'seats.changed', seatsRequested: request.seatsRequested, at })),
  });
  setHandler(deleteAccount, (request) => account.operate(request.actor, (at) => ({ type: 'delete', at })), {
    validator: (_request) => account.assertLegal((at) => ({ type: 'delete', at })),
  });

  await account.recordOpening();
  // Sleep to the next deadline, a license change or an operation, let the machine decide, write; a restore continues as new.
  while (account.livesThisRun) await account.awaitNextEvent();
  await account.endRun((next) => continueAsNew<typeof accountLifecycle>(next));
}
