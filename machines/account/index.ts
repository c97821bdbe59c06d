// The account lifecycle: the machine, its deadlines, and what workflow and API do with them.
import { defineLifecycle } from '../lifecycle/lifecycle.js';
import { accountMachine, type AccountEvent, type AccountInput, type AccountScheduledEvent, type AccountSnapshot, type AccountState } from './machine.js';
import { pendingAccountDeadlines } from './schedule.js';

export * from './machine.js';
export { pendingAccountDeadlines } from './schedule.js';

export const AccountLifecycle = defineLifecycle<{
  snapshot: AccountSnapshot;
  state: AccountState;
  event: AccountEvent;
  input: AccountInput;
  scheduled: AccountScheduledEvent;
}>(accountMachine, {
  subject: 'account',
  pendingDeadlines: pendingAccountDeadlines,
});
