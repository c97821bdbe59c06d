// One workflow per account (`account:<id>`): it sleeps until the account's next deadline or
// until a license of its group changes, lets the machine decide what that means, and applies
// callers' operations in arrival order. Each restore opens a new cycle and continues as new,
// so an account that lives for years keeps a short history.
import { condition, continueAsNew, setHandler } from '@temporalio/workflow';
import type { AccountEvent } from '../../machines/account/machine.js';
import { workflowTime } from '../lifecycle/clock.js';
import { liveCycle } from '../lifecycle/cycle.js';
import { AccountRecord, refusal } from './record.js';
import { accountRecorded, accountState, changeSeats, deleteAccount, licensesChanged } from './messages.js';
import { type AccountLifecycleInput } from '../../machines/account/contract.js';

export async function accountLifecycle(input: AccountLifecycleInput): Promise<void> {
  const account = AccountRecord.open(input);

  setHandler(accountState, () => account.view());
  setHandler(licensesChanged, () => account.noteLicensesChanged());
  setHandler(accountRecorded, async () => {
    await condition(() => account.opened);
    return account.view();
  });
  setHandler(changeSeats, (request) => account.changeSeats(request.actor, request.seatsRequested), {
    validator: (_request) => assertNotDeleted(account, 'change seats of'),
  });
  setHandler(deleteAccount, (request) => account.operate(request.actor, (at) => ({ type: 'delete', at })), {
    validator: (_request) => assertLegal(account, { type: 'delete', at: workflowTime() }),
  });

  await account.recordOpening();
  await liveCycle(account, (policy) => continueAsNew<typeof accountLifecycle>({ account: input.account, policy, carryOver: account.carryOver() }));
}

/** Update validators run synchronously and reject before anything is written to history. */
function assertLegal(account: AccountRecord, event: AccountEvent): void {
  if (!account.snapshot.can(event)) throw refusal(event.type, account.state);
}

function assertNotDeleted(account: AccountRecord, operation: string): void {
  if (account.isDeleted) throw refusal(operation, account.state);
}
