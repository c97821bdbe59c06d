// When a company's billing quantities go to ConnectWise: day X of every month at a set hour
// in the partner's time zone, or the month's last day when the month has no day X (R26).
// Pure and deterministic, because the billing workflow sleeps until these instants: the
// time-zone arithmetic is done here with Intl.DateTimeFormat, and nothing reads the clock.
// All instants are ms since the epoch, as everywhere in machines/.

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

const SECOND = 1000;
const DAY = 86_400 * SECOND;
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

// ---- Time-zone arithmetic. A "wall time" is a local date and time written as if it were
// UTC (ms since the epoch), so that wall time minus offset is the instant.

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

// Building a DateTimeFormat is costly and its result depends only on the zone: keep one per zone.
const wallClockFormats = new Map<string, Intl.DateTimeFormat>();

function wallClockFormat(timeZone: string): Intl.DateTimeFormat {
  const known = wallClockFormats.get(timeZone);
  if (known) return known;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new RangeError(`unknown time zone "${String(timeZone)}": expected an IANA name such as Europe/Paris`);
  }
  wallClockFormats.set(timeZone, format);
  return format;
}

function wallClockAt(instant: number, timeZone: string): WallClock {
  const clock: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of wallClockFormat(timeZone).formatToParts(instant)) {
    if (part.type in clock) clock[part.type as keyof WallClock] = Number(part.value);
  }
  return clock;
}

/** Wall time minus instant, to the second: Intl shows no finer. */
function offsetAt(instant: number, timeZone: string): number {
  const wholeSecond = Math.floor(instant / SECOND) * SECOND;
  const { year, month, day, hour, minute, second } = wallClockAt(wholeSecond, timeZone);
  return Date.UTC(year, month - 1, day, hour, minute, second) - wholeSecond;
}

/**
 * The earliest instant whose wall time is `wallTime`, or, when a daylight-saving gap skips
 * that wall time, the first instant after the gap. No zone's offset exceeds a day, so the
 * offsets a day either side are the only ones the wall time can have (as Temporal's
 * polyfill reasons too).
 */
function firstInstantAtOrAfterWallTime(wallTime: number, timeZone: string): number {
  const offsetBefore = offsetAt(wallTime - DAY, timeZone);
  const offsetAfter = offsetAt(wallTime + DAY, timeZone);
  const earlier = wallTime - Math.max(offsetBefore, offsetAfter);
  const later = wallTime - Math.min(offsetBefore, offsetAfter);
  for (const candidate of [earlier, later]) {
    if (offsetAt(candidate, timeZone) === wallTime - candidate) return candidate;
  }
  // The clocks jumped forward over the wall time: between `earlier` and `later` lies the
  // instant they jumped, which is the first valid one after the gap.
  return firstInstantWithOffsetChange(earlier, later, timeZone);
}

/** Binary search, to the second, for the first instant in (from, to] whose offset differs from `from`'s. */
function firstInstantWithOffsetChange(from: number, to: number, timeZone: string): number {
  const offsetFrom = offsetAt(from, timeZone);
  let unchanged = from;
  let changed = to;
  while (changed - unchanged > SECOND) {
    const middle = unchanged + Math.floor((changed - unchanged) / (2 * SECOND)) * SECOND;
    if (offsetAt(middle, timeZone) === offsetFrom) unchanged = middle;
    else changed = middle;
  }
  return changed;
}
