// What a webhook subscriber learns of an account transition: the account as it now
// stands, the state before and after, and who caused it.
import type { AccountTransitionRecord } from '../accounts.js';
import type { WebhookEvent } from '../webhooks.js';

export function accountWebhookEvent(record: AccountTransitionRecord): WebhookEvent {
  const { account, context, audit } = record;
  return {
    // The audit entry's key: one event per written revision, the same on every retry.
    id: `account:${account.id}:${record.revision}`,
    type: audit.action,
    occurredAt: new Date(audit.at),
    data: {
      account: {
        id: account.id,
        companyId: account.companyId,
        product: account.product,
        name: account.name,
        term: account.term,
        state: record.state,
        protected: record.protected,
        seatsRequested: record.seatsRequested,
        cycle: context.cycle,
        nextDeadline: record.nextDeadline ? { event: record.nextDeadline.event, at: new Date(record.nextDeadline.at).toISOString() } : null,
      },
      before: audit.before ?? null,
      after: audit.after,
      actor: audit.actor,
    },
  };
}
