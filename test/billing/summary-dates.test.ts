// Summary dates and billed quantities are pure: the schedule and the counts a push sends.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { billingLines } from '../../machines/billing/quantities.js';
import { nextSummaryDate, summaryFrequencies } from '../../machines/billing/summary-dates.js';

const zones = ['UTC', 'Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu'];
const instant = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2100, 0, 1) });

describe('summary dates', () => {
  it('the next summary is after the instant, covers the time since the previous one, and weekly ones fall on Mondays', () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...summaryFrequencies), fc.integer({ min: 0, max: 23 }), fc.constantFrom(...zones), (after, frequency, hour, timeZone) => {
        const date = nextSummaryDate(after, { frequency, hour, timeZone });
        expect(date.at).toBeGreaterThan(after);
        expect(date.from).toBeLessThanOrEqual(after);
        expect(nextSummaryDate(date.from, { frequency, hour, timeZone }).at).toBe(date.at);
        const weekday = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short' }).format(date.at);
        if (frequency === 'weekly') expect(weekday).toBe('Mon');
      }),
      { numRuns: 300 },
    );
  });
});

describe('billed quantities', () => {
  const settings = { mappings: [{ product: 'edr', agreementId: 1, additionId: 2 }], productsIncluded: ['edr'], quantityBasis: 'seats_licensed' as const };
  const licenses = [
    { product: 'edr', seats: 10, seatsUsed: 4, state: 'active' },
    { product: 'edr', seats: 5, seatsUsed: 5, state: 'grace' },
    { product: 'edr', seats: 7, seatsUsed: 7, state: 'suspended' },
    { product: 'other', seats: 3, seatsUsed: 3, state: 'active' },
  ];

  it('R11: counts the licenses that protect (grace included, suspended not), by the chosen basis', () => {
    expect(billingLines(licenses, settings)).toEqual([{ product: 'edr', agreementId: 1, additionId: 2, quantity: 15, licensesCounted: 2 }]);
    expect(billingLines(licenses, { ...settings, quantityBasis: 'seats_used' })[0]!.quantity).toBe(9);
  });

  it('pushes nothing for a mapped product that is not included', () => {
    expect(billingLines(licenses, { ...settings, productsIncluded: [] })).toEqual([]);
  });
});
