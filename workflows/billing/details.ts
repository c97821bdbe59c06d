// What ops read of a billing or summary workflow in the Temporal UI: what it is, where it
// stands and what comes next, as the lifecycle workflows show theirs. Its search attributes
// (partner, company) are set when it starts and never change, so nothing is upserted here.
import { setCurrentDetails } from '@temporalio/workflow';
import type { Card } from '../lifecycle/details.js';

export function showCard(card: Card): void {
  setCurrentDetails([`**${card.title}**`, card.standing, card.next].join('\n\n'));
}
