// The dates and durations a notice names are strings, fixed when it falls due; a fact the
// subject does not have (no grace yet, no deletion date) is left out, not written as empty.

export const iso = (ms: number | null): string | undefined => (ms === null ? undefined : new Date(ms).toISOString());

export function knownFacts(facts: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(facts).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
