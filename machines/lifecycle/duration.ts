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

const ISO_DURATION =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

export function parseDuration(text: string): Duration | undefined {
  const match = ISO_DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
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

export function isDuration(text: string): boolean {
  return parseDuration(text) !== undefined;
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
  const duration = parseDuration(text);
  if (!duration) throw new RangeError(`not an ISO 8601 duration: ${text}`);
  if (duration.years || duration.months) {
    throw new RangeError(`calendar duration has no fixed length: ${text}`);
  }
  return (
    duration.weeks * WEEK +
    duration.days * DAY +
    duration.hours * HOUR +
    duration.minutes * MINUTE +
    Math.round(duration.seconds * SECOND)
  );
}

/**
 * Adds a duration to an instant, calendar parts first in UTC (P1M from 31 January is
 * the last day of February), then the fixed parts. Used for license terms (P1Y, P1M).
 */
export function addDuration(atMs: number, text: string): number {
  const duration = parseDuration(text);
  if (!duration) throw new RangeError(`not an ISO 8601 duration: ${text}`);
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
  return calendarShifted + durationMs(fixedPartOf(duration));
}

function fixedPartOf(duration: Duration): string {
  return `P${duration.weeks}W${duration.days}DT${duration.hours}H${duration.minutes}M${duration.seconds}S`;
}
