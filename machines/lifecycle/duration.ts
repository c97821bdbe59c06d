// ISO 8601 durations, the one way Tenure writes a length of time (P14D, PT10S, P1Y).
// Pure: workflows, the API and the machines all compute deadlines with these.

export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

/** An ISO 8601 duration, never empty (`P`) nor ending in `T`; the API's document states it as is. */
export const DURATION_SHAPE =
  /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
/** The durations of fixed length (isFixedDuration): no years or months but zero ones. */
export const FIXED_DURATION_SHAPE = /^P(?!$)(?:0+Y)?(?:0+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$/;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/**
 * The furthest Tenure plans ahead: no term, renewal, policy period or expiry may reach beyond
 * it. A hundred years is longer than any real license; anything longer is a typo or an attack,
 * and would overflow dates (JavaScript's end at year 275760) in timers and in PostgreSQL.
 */
export const HORIZON_YEARS = 100;
/** The horizon in milliseconds, counting a year as 365.25 days (a month as a twelfth of that). */
export const HORIZON_MS = HORIZON_YEARS * 365.25 * DAY;
const AVERAGE_MONTH_MS = HORIZON_MS / (HORIZON_YEARS * 12);

export function parseDuration(text: string): Duration | undefined {
  const match = DURATION_SHAPE.exec(text);
  if (!match) return undefined;
  const [, years, months, weeks, days, hours, minutes, seconds] = match;
  return {
    years: Number(years ?? 0),
    months: Number(months ?? 0),
    weeks: Number(weeks ?? 0),
    days: Number(days ?? 0),
    hours: Number(hours ?? 0),
    minutes: Number(minutes ?? 0),
    seconds: Number(seconds ?? 0),
  };
}

/**
 * True when the text is a duration no longer than the horizon (P100Y, P1200M and P36525D are;
 * P100YT1S is not). Validators call it before addDuration or durationMs, which refuse the rest.
 */
export function isWithinHorizon(text: string): boolean {
  const duration = parseDuration(text);
  if (!duration) return false;
  return (duration.years * 12 + duration.months) * AVERAGE_MONTH_MS + fixedMsOf(duration) <= HORIZON_MS;
}

/** True when the instant lies no further from `nowMs` than the horizon, either way. */
export function isInstantWithinHorizon(atMs: number, nowMs: number): boolean {
  return Number.isFinite(atMs) && Math.abs(atMs - nowMs) <= HORIZON_MS;
}

/** True when the duration has no calendar part (years, months), so it has one length in milliseconds. */
export function isFixedDuration(text: string): boolean {
  const duration = parseDuration(text);
  return duration !== undefined && duration.years === 0 && duration.months === 0;
}

/**
 * Length of a fixed duration in milliseconds. Policies use fixed durations only,
 * so that "14 days of grace" is the same length in every month.
 */
export function durationMs(text: string): number {
  const duration = withinHorizon(text);
  if (duration.years || duration.months) {
    throw new RangeError(`calendar duration has no fixed length: ${text}`);
  }
  return fixedMsOf(duration);
}

function fixedMsOf(duration: Duration): number {
  return (
    duration.weeks * WEEK +
    duration.days * DAY +
    duration.hours * HOUR +
    duration.minutes * MINUTE +
    Math.round(duration.seconds * SECOND)
  );
}

/** The parsed duration; a RangeError for text that is none, or longer than the horizon (which would overflow dates). */
function withinHorizon(text: string): Duration {
  const duration = parseDuration(text);
  if (!duration) throw new RangeError(`not an ISO 8601 duration: ${text.slice(0, 40)}`);
  if (!isWithinHorizon(text)) throw new RangeError(`duration beyond the ${HORIZON_YEARS}-year horizon: ${text.slice(0, 40)}`);
  return duration;
}

/**
 * Adds a duration to an instant, calendar parts first in UTC (P1M from 31 January is
 * the last day of February), then the fixed parts. Used for license terms (P1Y, P1M).
 */
export function addDuration(atMs: number, text: string): number {
  const duration = withinHorizon(text);
  const start = new Date(atMs);
  const totalMonths = start.getUTCMonth() + duration.years * 12 + duration.months;
  const year = start.getUTCFullYear() + Math.floor(totalMonths / 12);
  const month = totalMonths % 12;
  const lastDayOfMonth = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const calendarShifted = Date.UTC(
    year,
    month,
    Math.min(start.getUTCDate(), lastDayOfMonth),
    start.getUTCHours(),
    start.getUTCMinutes(),
    start.getUTCSeconds(),
    start.getUTCMilliseconds(),
  );
  const result = calendarShifted + fixedMsOf(duration);
  // Only an instant that was already out of range gets here: the duration itself is bounded.
  if (!Number.isFinite(result)) throw new RangeError(`${text} after ${atMs} is not a representable instant`);
  return result;
}
