// What a webhook subscriber learns of an account transition: the account as it now stands.
import type { AccountTransitionRecord } from './record.js';
import type { WebhookEvent } from '../webhook/deliver.js';
import { protectingAccountStates } from '../../machines/lifecycle/states.js';
import { deadlineForSubscribers, transitionWebhookEvent } from '../lifecycle/webhook-event.js';

export function accountWebhookEvent(record: AccountTransitionRecord): WebhookEvent {
  const { account } = record;
  return transitionWebhookEvent('account', account.id, record, {
    id: account.id,
    companyId: account.companyId,
    product: account.product,
    name: account.name,
    term: account.term,
    state: record.state,
    protected: protectingAccountStates.includes(record.state),
    seatsRequested: record.context.seatsRequested,
    cycle: record.context.cycle,
    nextDeadline: deadlineForSubscribers(record),
  });
}
