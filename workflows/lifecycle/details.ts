// What ops see of an entity workflow in the Temporal UI: the search attributes they filter
// on, and a card that says what it is, where it stands and what comes next.
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';

export interface Card {
  title: string;
  standing: string;
  next: string;
}

export function mirrorInUi(attributes: SearchAttributeUpdatePair[], card: Card): void {
  upsertSearchAttributes(attributes);
  setCurrentDetails([`**${card.title}**`, card.standing, card.next].join('\n\n'));
}

export function nextDeadlineLine(deadline: { event: string; at: number }): string {
  return `Next: ${deadline.event} at ${new Date(deadline.at).toISOString()}`;
}
