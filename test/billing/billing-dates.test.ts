// Property tests of the monthly billing dates (R26) over two centuries and the time zones
// whose daylight-saving changes are the hardest to bill on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  billingDateOf,
  billingPeriodOf,
  nextBillingDate,
  nextBillingDates,
  type BillingSchedule,
} from '../../machines/billing/billing-dates.js';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;
const FIRST_YEAR = 1970;
const LAST_YEAR = 2200;

// Whole-hour, half-hour and 45-minute offsets; 1-hour, 30-minute (Lord Howe) and
// day-long (Apia, 2011) daylight-saving changes; both hemispheres.
const ZONES = [
  'UTC',
  'Europe/Paris',
  'America/New_York',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'Pacific/Apia',
  'Pacific/Chatham',
  'Asia/Kathmandu',
];
const DST_ZONES = ['Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'Pacific/Apia'];

const year = fc.integer({ min: FIRST_YEAR, max: LAST_YEAR });
// Samoa observed daylight saving only from 2010 to 2021: draw those years often enough to meet it.
const dstYear = fc.oneof(year, fc.integer({ min: 2010, max: 2021 }));
const instant = fc.integer({ min: Date.UTC(FIRST_YEAR, 0, 1), max: Date.UTC(LAST_YEAR, 0, 1) });
const schedule = fc.record({
  day: fc.integer({ min: 1, max: 31 }),
  hour: fc.integer({ min: 0, max: 23 }),
  timeZone: fc.constantFrom(...ZONES),
});

describe('billing dates', () => {
  it('R26: billing day 31 falls on the last day of February, April, June, September and November', () => {
    fc.assert(
      fc.property(year, fc.constantFrom(2, 4, 6, 9, 11), fc.integer({ min: 0, max: 23 }), fc.constantFrom(...ZONES), (y, month, hour, timeZone) => {
        const lastDay = new Date(Date.UTC(y, month, 0)).getUTCDate();
        const { at } = billingDateOf(period(y, month), { day: 31, hour, timeZone });
        expect(crossesWallTime(at, Date.UTC(y, month - 1, lastDay, hour), timeZone)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('R26: billing days 29, 30 and 31 fall on 29 February in leap years and 28 February in common years', () => {
    fc.assert(
      fc.property(year, fc.constantFrom(29, 30, 31), fc.integer({ min: 0, max: 23 }), fc.constantFrom(...ZONES), (y, day, hour, timeZone) => {
        const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
        const { at } = billingDateOf(period(y, 2), { day, hour, timeZone });
        expect(crossesWallTime(at, Date.UTC(y, 1, leap ? 29 : 28, hour), timeZone)).toBe(true);
      }),
      { numRuns: 500 },
    );
    expect(wallClock(billingDateOf('2100-02', { day: 29, hour: 9, timeZone: 'UTC' }).at, 'UTC')).toBe('2100-02-28T09:00:00');
    expect(wallClock(billingDateOf('2000-02', { day: 29, hour: 9, timeZone: 'UTC' }).at, 'UTC')).toBe('2000-02-29T09:00:00');
  });

  it('R26: a month that has day X bills on day X at the set hour on the partner\'s wall clock', () => {
    const paris = { day: 15, hour: 6, timeZone: 'Europe/Paris' };
    expect(wallClock(billingDateOf('2026-07', paris).at, 'Europe/Paris')).toBe('2026-07-15T06:00:00');
    expect(billingDateOf('2026-07', paris).at).toBe(Date.UTC(2026, 6, 15, 4));
    expect(billingDateOf('2026-01', paris).at).toBe(Date.UTC(2026, 0, 15, 5));
  });

  it('R26: the next billing date is strictly after the given instant, and the earliest such', () => {
    fc.assert(
      fc.property(instant, schedule, (after, billing) => {
        const next = nextBillingDate(after, billing);
        expect(next.at).toBeGreaterThan(after);
        expect(billingDateOf(previousPeriod(next.period), billing).at).toBeLessThanOrEqual(after);
        expect(crossesWallTime(next.at, scheduledWallTime(next.period, billing), billing.timeZone)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('R26: the next billing date of an instant that is itself a billing date is the following month\'s', () => {
    fc.assert(
      fc.property(year, fc.integer({ min: 1, max: 12 }), schedule, (y, month, billing) => {
        const date = billingDateOf(period(y, month), billing);
        expect(nextBillingDate(date.at - 1, billing)).toEqual(date);
        expect(nextBillingDate(date.at, billing).period).toBe(nextPeriod(date.period));
      }),
      { numRuns: 500 },
    );
  });

  it('R26: the preview\'s next 12 billing dates are in consecutive months, in order', () => {
    fc.assert(
      fc.property(instant, schedule, (after, billing) => {
        const dates = nextBillingDates(12, after, billing);
        expect(dates).toHaveLength(12);
        expect(dates[0]).toEqual(nextBillingDate(after, billing));
        for (const [index, date] of dates.entries()) {
          const previous = dates[index - 1];
          if (!previous) continue;
          expect(date.period).toBe(nextPeriod(previous.period));
          expect(date.at).toBeGreaterThan(previous.at);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('R26: an hour that daylight saving skips is billed once, at the first instant after the gap', () => {
    fc.assert(
      fc.property(dstYear, fc.constantFrom(...DST_ZONES), (y, timeZone) => {
        for (const change of offsetChangesIn(y, timeZone).filter((c) => c.offsetAfter > c.offsetBefore)) {
          for (const wallTime of wholeHoursIn(change.at + change.offsetBefore, change.at + change.offsetAfter)) {
            const billing = scheduleAt(wallTime, timeZone);
            const date = billingDateOf(periodOfWallTime(wallTime), billing);
            expect(date.at).toBe(change.at);
            expectOnePushIn(date, billing);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('R26: an hour that happens twice when daylight saving ends is billed once, at its first occurrence', () => {
    fc.assert(
      fc.property(dstYear, fc.constantFrom(...DST_ZONES), (y, timeZone) => {
        for (const change of offsetChangesIn(y, timeZone).filter((c) => c.offsetAfter < c.offsetBefore)) {
          for (const wallTime of wholeHoursIn(change.at + change.offsetAfter, change.at + change.offsetBefore)) {
            const billing = scheduleAt(wallTime, timeZone);
            const date = billingDateOf(periodOfWallTime(wallTime), billing);
            expect(date.at).toBe(wallTime - change.offsetBefore);
            expect(date.at).toBeLessThan(change.at);
            expectOnePushIn(date, billing);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('R26: Paris bills 2:00 on the spring-forward Sunday at 3:00 CEST, and on the fall-back Sunday at the first 2:00', () => {
    const springForward = billingDateOf('2026-03', { day: 29, hour: 2, timeZone: 'Europe/Paris' });
    expect(springForward.at).toBe(Date.UTC(2026, 2, 29, 1));
    const fallBack = billingDateOf('2026-10', { day: 25, hour: 2, timeZone: 'Europe/Paris' });
    expect(fallBack.at).toBe(Date.UTC(2026, 9, 25, 0));
    expect(nextBillingDate(fallBack.at, { day: 25, hour: 2, timeZone: 'Europe/Paris' }).period).toBe('2026-11');
  });

  it('R26: Lord Howe\'s 30-minute change bills 2:00 at 2:30 in October', () => {
    const date = billingDateOf('2026-10', { day: 4, hour: 2, timeZone: 'Australia/Lord_Howe' });
    expect(wallClock(date.at, 'Australia/Lord_Howe')).toBe('2026-10-04T02:30:00');
  });

  it('R26: a day the zone skipped altogether is billed at the next midnight, still for its own month', () => {
    // Samoa skipped 30 December 2011; Kiritimati skipped 31 December 1994, so its push spills into January.
    const apia = billingDateOf('2011-12', { day: 30, hour: 10, timeZone: 'Pacific/Apia' });
    expect(wallClock(apia.at, 'Pacific/Apia')).toBe('2011-12-31T00:00:00');
    const kiritimati = { day: 31, hour: 12, timeZone: 'Pacific/Kiritimati' };
    const dates = nextBillingDates(2, Date.UTC(1994, 11, 1), kiritimati);
    expect(dates.map((date) => date.period)).toEqual(['1994-12', '1995-01']);
    expect(wallClock(dates[0]!.at, 'Pacific/Kiritimati')).toBe('1995-01-01T00:00:00');
    expect(billingPeriodOf(dates[0]!.at, 'Pacific/Kiritimati')).toBe('1995-01');
  });

  it('R26: the billing period of an instant is its month on the partner\'s wall clock', () => {
    const newYearsEveInUtc = Date.UTC(2026, 11, 31, 23, 30);
    expect(billingPeriodOf(newYearsEveInUtc, 'Europe/Paris')).toBe('2027-01');
    expect(billingPeriodOf(newYearsEveInUtc, 'America/New_York')).toBe('2026-12');
    // None of these zones ever carried a push past a month's end, so a push's instant and its period agree.
    fc.assert(
      fc.property(instant, schedule, (after, billing) => {
        const date = nextBillingDate(after, billing);
        expect(billingPeriodOf(date.at, billing.timeZone)).toBe(date.period);
      }),
      { numRuns: 500 },
    );
  });

  it('R26: a schedule the calendar cannot honour is refused with a RangeError naming what is wrong', () => {
    const valid: BillingSchedule = { day: 1, hour: 0, timeZone: 'Europe/Paris' };
    const at = Date.UTC(2026, 0, 1);
    expect(() => nextBillingDate(at, { ...valid, day: 0 })).toThrow(new RangeError('billing day must be an integer from 1 to 31, got 0'));
    expect(() => nextBillingDate(at, { ...valid, day: 32 })).toThrow(/billing day/);
    expect(() => nextBillingDate(at, { ...valid, day: 1.5 })).toThrow(/billing day/);
    expect(() => nextBillingDate(at, { ...valid, hour: 24 })).toThrow(new RangeError('billing hour must be an integer from 0 to 23, got 24'));
    expect(() => nextBillingDate(at, { ...valid, hour: -1 })).toThrow(/billing hour/);
    expect(() => nextBillingDate(at, { ...valid, timeZone: 'Mars/Olympus_Mons' })).toThrow(
      new RangeError('unknown time zone "Mars/Olympus_Mons": expected an IANA name such as Europe/Paris'),
    );
    expect(() => nextBillingDate(Number.NaN, valid)).toThrow(RangeError);
    expect(() => nextBillingDates(-1, at, valid)).toThrow(/non-negative integer/);
    expect(() => billingDateOf('2026-13', valid)).toThrow(/YYYY-MM/);
    expect(() => billingPeriodOf(at, 'Nowhere')).toThrow(/unknown time zone/);
  });
});

// ---- Oracles, written independently of billing-dates.ts.

function period(y: number, month: number): string {
  return `${String(y)}-${String(month).padStart(2, '0')}`;
}

function nextPeriod(of: string): string {
  const [y, month] = of.split('-').map(Number) as [number, number];
  return month === 12 ? period(y + 1, 1) : period(y, month + 1);
}

function previousPeriod(of: string): string {
  const [y, month] = of.split('-').map(Number) as [number, number];
  return month === 1 ? period(y - 1, 12) : period(y, month - 1);
}

function periodOfWallTime(wallTime: number): string {
  return new Date(wallTime).toISOString().slice(0, 7);
}

/** The wall time (local time written as UTC) that a period's push is due at, before any daylight-saving adjustment. */
function scheduledWallTime(of: string, billing: BillingSchedule): number {
  const [y, month] = of.split('-').map(Number) as [number, number];
  const lastDay = new Date(Date.UTC(y, month, 0)).getUTCDate();
  return Date.UTC(y, month - 1, Math.min(billing.day, lastDay), billing.hour);
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The local date and time at an instant, as ISO without offset: 2026-07-15T06:00:00. */
function wallClock(at: number, timeZone: string): string {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'medium' });
    formats.set(timeZone, format);
  }
  return format.format(at).replace(' ', 'T');
}

function wallTimeOf(at: number, timeZone: string): number {
  return Date.parse(`${wallClock(at, timeZone)}Z`);
}

/**
 * True when the partner's wall clock reaches `wallTime` exactly at `at`: the second before,
 * it showed an earlier time; at `at`, that time or (across a gap) a later one.
 */
function crossesWallTime(at: number, wallTime: number, timeZone: string): boolean {
  return wallTimeOf(at - SECOND, timeZone) < wallTime && wallTimeOf(at, timeZone) >= wallTime;
}

interface OffsetChange {
  at: number;
  offsetBefore: number;
  offsetAfter: number;
}

function offsetAt(at: number, timeZone: string): number {
  return wallTimeOf(at, timeZone) - at;
}

/** Every instant a zone's offset changes in a year, found day by day, then to the second. */
function offsetChangesIn(y: number, timeZone: string): OffsetChange[] {
  const changes: OffsetChange[] = [];
  for (let from = Date.UTC(y, 0, 1); from < Date.UTC(y + 1, 0, 1); from += DAY) {
    const offsetBefore = offsetAt(from, timeZone);
    const offsetAfter = offsetAt(from + DAY, timeZone);
    if (offsetBefore === offsetAfter) continue;
    let unchanged = from;
    let changed = from + DAY;
    while (changed - unchanged > SECOND) {
      const middle = unchanged + Math.floor((changed - unchanged) / 2 / SECOND) * SECOND;
      if (offsetAt(middle, timeZone) === offsetBefore) unchanged = middle;
      else changed = middle;
    }
    changes.push({ at: changed, offsetBefore, offsetAfter });
  }
  return changes;
}

/** The whole hours of wall time in [from, to): the billing hours a gap skips or an overlap repeats. */
function wholeHoursIn(from: number, to: number): number[] {
  const hours: number[] = [];
  for (let wallTime = Math.ceil(from / HOUR) * HOUR; wallTime < to; wallTime += HOUR) hours.push(wallTime);
  return hours;
}

/** The schedule due at a wall time: its day of the month at its hour. */
function scheduleAt(wallTime: number, timeZone: string): BillingSchedule {
  const date = new Date(wallTime);
  return { day: date.getUTCDate(), hour: date.getUTCHours(), timeZone };
}

/** The billing date is the only one of its month: asking for the next date from just before its month finds it, then the next month's. */
function expectOnePushIn(date: { period: string; at: number }, billing: BillingSchedule): void {
  const before = billingDateOf(previousPeriod(date.period), billing).at;
  const [first, second] = nextBillingDates(2, before, billing);
  expect(first).toEqual(date);
  expect(second?.period).toBe(nextPeriod(date.period));
}
