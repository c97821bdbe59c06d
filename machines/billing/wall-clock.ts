// Time-zone arithmetic for the schedules of billing and summaries, with Intl.DateTimeFormat
// only, so it stays pure. A "wall time" is a local date and time written as if it were UTC
// (ms since the epoch), so that wall time minus offset is the instant.

const SECOND = 1000;
const DAY = 86_400 * SECOND;

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

// Building a DateTimeFormat is costly and its result depends only on the zone: keep one per zone.
const wallClockFormats = new Map<string, Intl.DateTimeFormat>();

export function wallClockFormat(timeZone: string): Intl.DateTimeFormat {
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

export function wallClockAt(instant: number, timeZone: string): WallClock {
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
export function firstInstantAtOrAfterWallTime(wallTime: number, timeZone: string): number {
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
