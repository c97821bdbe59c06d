// Dates as upstreams write them: ISO 8601, a date-time with or without its offset (ESET is .NET:
// `2030-01-31T00:00:00`) or a calendar day (Sophos: `2026-01-31`). A date that cannot be read
// fails the read as an invalid answer, which Temporal retries: taken for "no end", it would
// make a license perpetual.
import { z } from 'zod';

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * An ISO 8601 date in milliseconds since the epoch, or null when the text names a day or time
 * that does not exist (Date.parse would read 30 February as 2 March). Without an offset it is
 * UTC: the upstream names no zone, and the worker's own would move every expiry with the host.
 */
function instantOf(text: string, calendarDays: 'start' | 'end'): number | null {
  const parts = ISO_8601.exec(text);
  if (!parts) return null;
  const [, year, month, day, hour, minute = '00', second = '00', fraction = '', offset = 'Z'] = parts;
  const offsetMs = offsetMsOf(offset);
  const wallClock = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour ?? 0), Number(minute), Number(second));
  if (offsetMs === null || new Date(wallClock).toISOString().slice(0, 19) !== `${year}-${month}-${day}T${hour ?? '00'}:${minute}:${second}`) return null;
  if (hour === undefined && calendarDays === 'end') return wallClock + DAY_MS - 1;
  return wallClock + Math.floor(Number(`0${fraction}`) * 1000) - offsetMs;
}

/** `Z`, `+02:00` or `-0530` in milliseconds east of UTC; null for an offset no zone has. */
function offsetMsOf(offset: string): number | null {
  if (offset.toUpperCase() === 'Z') return 0;
  const [hours, minutes] = [Number(offset.slice(1, 3)), Number(offset.slice(-2))];
  if (hours > 23 || minutes > 59) return null;
  return (offset.startsWith('-') ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}

const upstreamDate = (calendarDays: 'start' | 'end') =>
  z.string().transform((text, context) => {
    const at = instantOf(text, calendarDays);
    if (at === null) {
      context.addIssue({ code: 'custom', message: `"${text}" is not an ISO 8601 date` });
      return z.NEVER;
    }
    return at;
  });

/** A date as milliseconds since the epoch; a calendar day is its first millisecond, UTC. */
export const upstreamInstant = upstreamDate('start');

/**
 * The last day a license covers, as milliseconds since the epoch: a calendar day is covered
 * whole, so it ends at that day's last millisecond, UTC (2026-01-31T23:59:59.999Z, still on the
 * same date); a date-time is that instant.
 */
export const upstreamLastDay = upstreamDate('end');
