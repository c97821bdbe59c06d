// What ops see of an entity workflow in the Temporal UI: the search attributes they filter
// on, and a card that says what it is, where it stands and what comes next.
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';

export interface Card {
  title: string;
  standing: string;
  next: string;
  /** Outbox keys of the notices being delivered (a stuck one stays here while it retries). */
  sending?: string[];
}

/** Upserts every attribute each time: how runs started before lifecycle generation 1 did it, kept for their replay. */
export function mirrorInUi(attributes: SearchAttributeUpdatePair[], card: Card): void {
  upsertSearchAttributes(attributes);
  showCard(card);
}

/**
 * Upserts only the attributes whose value differs from what the run already carries, from its
 * start or an earlier upsert: each upsert is an event in history and a write to visibility, and
 * the starter already set them all.
 */
export function mirrorChangesInUi(attributes: SearchAttributeUpdatePair[], card: Card): void {
  const carried = workflowInfo().typedSearchAttributes;
  const changed = attributes.filter(({ key, value }) => !sameValue(carried.get(key), value));
  if (changed.length > 0) upsertSearchAttributes(changed);
  showCard(card);
}

function sameValue(carried: unknown, value: unknown): boolean {
  return carried instanceof Date && value instanceof Date ? carried.getTime() === value.getTime() : carried === value;
}

/** The card alone: search attributes cost an event in history each time, the card does not. */
export function showCard(card: Card): void {
  const sending = card.sending?.length ? [`Sending notices: ${card.sending.join(', ')}`] : [];
  setCurrentDetails([`**${card.title}**`, card.standing, card.next, ...sending].join('\n\n'));
}

export function nextDeadlineLine(deadline: { event: string; at: number }): string {
  return `Next: ${deadline.event} at ${new Date(deadline.at).toISOString()}`;
}
