// What ops see of an entity workflow in the Temporal UI: the search attributes they filter
// on, and a card that says what it is, where it stands and what comes next.
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';

export interface Card {
  title: string;
  standing: string;
  next: string;
  /** Outbox keys of the notices being delivered (a stuck one stays here while it retries). */
  sending?: string[];
}

export function mirrorInUi(attributes: SearchAttributeUpdatePair[], card: Card): void {
  upsertSearchAttributes(attributes);
  showCard(card);
}

/** The card alone: search attributes cost an event in history each time, the card does not. */
export function showCard(card: Card): void {
  const sending = card.sending?.length ? [`Sending notices: ${card.sending.join(', ')}`] : [];
  setCurrentDetails([`**${card.title}**`, card.standing, card.next, ...sending].join('\n\n'));
}

export function nextDeadlineLine(deadline: { event: string; at: number }): string {
  return `Next: ${deadline.event} at ${new Date(deadline.at).toISOString()}`;
}
