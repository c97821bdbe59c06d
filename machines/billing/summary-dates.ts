// When a company's periodic summary goes out (seed 001: "chaque jour, semaine ou mois"):
// daily at a set hour, weekly on Mondays, monthly on the 1st, on the partner's wall clock.
// Pure, like the billing dates, because the summary workflow sleeps until these instants.
import { nextBillingDate } from './billing-dates.js';
import { firstInstantAtOrAfterWallTime, wallClockAt, wallClockFormat } from './wall-clock.js';

export const summaryFrequencies = ['daily', 'weekly', 'monthly'] as const;
export type SummaryFrequency = (typeof summaryFrequencies)[number];

export interface SummarySchedule {
  frequency: SummaryFrequency;
  hour: number;
  timeZone: string;
}

/** One summary: the instant it goes out, and the period it covers, [from, at). */
export interface SummaryDate {
  from: number;
  at: number;
}

const DAY = 86_400_000;
const MONDAY = 1;

export function assertSummarySchedule(schedule: SummarySchedule): void {
  if (!summaryFrequencies.includes(schedule.frequency)) throw new RangeError(`summary frequency must be one of ${summaryFrequencies.join(', ')}`);
  if (!Number.isInteger(schedule.hour) || schedule.hour < 0 || schedule.hour > 23) {
    throw new RangeError(`summary hour must be an integer from 0 to 23, got ${String(schedule.hour)}`);
  }
  wallClockFormat(schedule.timeZone);
}

/** The first summary sent strictly after `after`, covering the time since the one before it. */
export function nextSummaryDate(after: number, schedule: SummarySchedule): SummaryDate {
  assertSummarySchedule(schedule);
  const at = nextSendingAfter(after, schedule);
  return { from: previousSendingBefore(at, schedule), at };
}

function nextSendingAfter(after: number, schedule: SummarySchedule): number {
  if (schedule.frequency === 'monthly') return nextBillingDate(after, { day: 1, hour: schedule.hour, timeZone: schedule.timeZone }).at;
  const { year, month, day } = wallClockAt(after, schedule.timeZone);
  // From the day before, on the wall clock: a daylight-saving gap can push yesterday's hour past midnight.
  for (let wallDay = Date.UTC(year, month - 1, day) - DAY; ; wallDay += DAY) {
    const wanted = schedule.frequency === 'daily' || new Date(wallDay).getUTCDay() === MONDAY;
    if (!wanted) continue;
    const at = firstInstantAtOrAfterWallTime(wallDay + schedule.hour * 3_600_000, schedule.timeZone);
    if (at > after) return at;
  }
}

/** The sending before `at`: found by stepping back far enough and walking forward once. */
function previousSendingBefore(at: number, schedule: SummarySchedule): number {
  const stepBack = { daily: 2 * DAY, weekly: 8 * DAY, monthly: 32 * DAY }[schedule.frequency];
  let previous = nextSendingAfter(at - stepBack, schedule);
  for (let next = nextSendingAfter(previous, schedule); next < at; next = nextSendingAfter(previous, schedule)) previous = next;
  return previous;
}
