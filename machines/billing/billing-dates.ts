// When a company's billing quantities go to ConnectWise: day X of every month at a set hour
// in the partner's time zone, or the month's last day when the month has no day X (R26).
// Pure and deterministic, because the billing workflow sleeps until these instants: the
// time-zone arithmetic is done here with Intl.DateTimeFormat, and nothing reads the clock.
// All instants are ms since the epoch, as everywhere in machines/.
import { firstInstantAtOrAfterWallTime, wallClockAt, wallClockFormat } from './wall-clock.js';

export interface BillingSchedule {
  /** Day of the month, 1–31; a month without that day bills on its last day (R26). */
  day: number;
  /** Hour of the day, 0–23, on the partner's wall clock. */
  hour: number;
  /** The partner's IANA time zone, e.g. Europe/Paris. */
  timeZone: string;
}

/** One monthly push: when it happens, and which billing period it pushes. */
export interface BillingDate {
  /**
   * `YYYY-MM`, the month the billing day belongs to: the key that makes a company's push
   * happen once per period, whatever retries, replays or mid-month setting changes occur.
   */
  period: string;
  at: number;
}

// Periods are written with four-digit years; Date.UTC also misreads years below 100.
const EARLIEST_INSTANT = Date.UTC(1000, 0, 1);
const LATEST_INSTANT = Date.UTC(9999, 10, 1);
const PERIOD = /^(\d{4})-(\d{2})$/;

/** Throws a RangeError naming the field when a schedule cannot be billed on. */
export function assertBillingSchedule(schedule: BillingSchedule): void {
  const { day, hour, timeZone } = schedule;
  if (!Number.isInteger(day) || day < 1 || day > 31) {
    throw new RangeError(`billing day must be an integer from 1 to 31, got ${String(day)}`);
  }
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) {
    throw new RangeError(`billing hour must be an integer from 0 to 23, got ${String(hour)}`);
  }
  wallClockFormat(timeZone);
}

/** The first billing date strictly after `after`. */
export function nextBillingDate(after: number, schedule: BillingSchedule): BillingDate {
  assertBillingSchedule(schedule);
  assertInstant(after);
  const { year, month } = wallClockAt(after, schedule.timeZone);
  // A daylight-saving gap can carry a month's push past its last midnight, so the
  // previous month's date may still lie ahead: start the search there.
  let period = addMonths(year, month, -1);
  for (;;) {
    const date = billingDateOf(period, schedule);
    if (date.at > after) return date;
    period = addMonths(...parsePeriod(period), 1);
  }
}

/** The next `count` billing dates after `after`, for a preview: one per period, in order. */
export function nextBillingDates(count: number, after: number, schedule: BillingSchedule): BillingDate[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`number of billing dates must be a non-negative integer, got ${String(count)}`);
  }
  const dates: BillingDate[] = [];
  let from = after;
  while (dates.length < count) {
    const date = nextBillingDate(from, schedule);
    dates.push(date);
    from = date.at;
  }
  return dates;
}

/**
 * The billing date of a period: day X at the set hour, or the month's last day when it has
 * no day X (R26). An hour that a daylight-saving change skips is billed at the first instant
 * after the gap; an hour that happens twice is billed at its first occurrence only.
 */
export function billingDateOf(period: string, schedule: BillingSchedule): BillingDate {
  assertBillingSchedule(schedule);
  const [year, month] = parsePeriod(period);
  const day = Math.min(schedule.day, daysInMonth(year, month));
  const wallTime = Date.UTC(year, month - 1, day, schedule.hour);
  return { period, at: firstInstantAtOrAfterWallTime(wallTime, schedule.timeZone) };
}

/**
 * The calendar month, on the partner's wall clock, that an instant falls in: the period a
 * push made at that instant (a "send now") bills. A scheduled push uses its BillingDate's
 * period, which differs only when a daylight-saving gap carries it past a month's end.
 */
export function billingPeriodOf(instant: number, timeZone: string): string {
  assertInstant(instant);
  const { year, month } = wallClockAt(instant, timeZone);
  return formatPeriod(year, month);
}

function assertInstant(instant: number): void {
  if (!Number.isFinite(instant) || instant < EARLIEST_INSTANT || instant >= LATEST_INSTANT) {
    throw new RangeError(`instant must be ms since the epoch between the years 1000 and 9999, got ${String(instant)}`);
  }
}

function parsePeriod(period: string): [year: number, month: number] {
  const match = PERIOD.exec(period);
  const year = Number(match?.[1]);
  const month = Number(match?.[2]);
  if (!match || year < 1000 || month < 1 || month > 12) {
    throw new RangeError(`billing period must be YYYY-MM with a month from 01 to 12, got "${period}"`);
  }
  return [year, month];
}

function formatPeriod(year: number, month: number): string {
  return `${String(year)}-${String(month).padStart(2, '0')}`;
}

function addMonths(year: number, month: number, months: number): string {
  const index = year * 12 + (month - 1) + months;
  return formatPeriod(Math.floor(index / 12), (index % 12) + 1);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
