// One workflow per company with ConnectWise billing (`billing:<companyId>`): it sleeps until
// the next billing instant (R26), pushes the quantities, and continues as new for the next
// period. Saving settings wakes it to plan again. Each period it plans is pushed exactly once:
// a period already pushed is never pushed again, so moving the billing day later cannot bill a
// month twice, and a period planned but not pushed is never passed over, so moving the billing
// day before now pushes that month at once instead of skipping it.
import { ActivityFailure, condition, continueAsNew, patched, proxyActivities, setHandler, uuid4 } from '@temporalio/workflow';
import type { createBillingScheduleActivities } from '../../activities/billing/schedule.js';
import { nextBillingDate, type BillingDate } from '../../machines/billing/billing-dates.js';
import { billingFailures, type BillingScheduleInput, type BillingScheduleView } from '../../machines/billing/contract.js';
import { workflowTime } from '../lifecycle/clock.js';
import { showCard } from './details.js';
import { billingScheduleState, billingSettingsSaved } from './messages.js';
import { failureType, pushAndAnnounce, scheduledPushOptions } from './push.js';

const { loadBillingSchedule } = proxyActivities<ReturnType<typeof createBillingScheduleActivities>>({
  startToCloseTimeout: '30s',
  retry: { maximumInterval: '1m' },
});

export const SCHEDULED_PUSH_ACTOR = 'system:billing';

/**
 * Marks histories in which a period the settings moved before now is pushed at once. A run
 * recorded before it slept to the next period's date instead, and still does when it replays.
 */
export const OVERTAKEN_PERIOD_PUSHED = 'billing-overtaken-period-pushed';

export async function billingSchedule(input: BillingScheduleInput): Promise<void> {
  let saved = false;
  let view: BillingScheduleView = { enabled: false, nextBillingDate: null, lastPush: null };
  setHandler(billingSettingsSaved, () => {
    saved = true;
  });
  setHandler(billingScheduleState, () => view);
  const now = () => workflowTime() + (input.clockSkewMs ?? 0);
  // The period this run planned last: owed until it is pushed.
  let plannedPeriod: string | undefined;

  for (;;) {
    saved = false;
    const loaded = await loadBillingSchedule(input);
    const lastPushedPeriod = latest(input.lastPushedPeriod, loaded.lastScheduledPush?.period);
    const lastPush = loaded.lastScheduledPush && loaded.lastScheduledPush.status !== 'pending' ? { ...loaded.lastScheduledPush, status: loaded.lastScheduledPush.status } : null;
    if (!loaded.schedule) {
      // A company disabled is not billed: enabled again, it bills from its next billing date on.
      plannedPeriod = undefined;
      view = { enabled: false, nextBillingDate: null, lastPush };
      show(loaded.companyName, view);
      await condition(() => saved);
      continue;
    }
    const upcoming = firstUnpushed(nextBillingDate(now(), loaded.schedule), lastPushedPeriod, (after) => nextBillingDate(after, loaded.schedule!));
    const overtaken = overtakenPeriod(plannedPeriod, upcoming.period, lastPushedPeriod);
    const next = overtaken !== undefined && patched(OVERTAKEN_PERIOD_PUSHED) ? { period: overtaken, at: now() } : upcoming;
    plannedPeriod = next.period;
    view = { enabled: true, nextBillingDate: { period: next.period, at: new Date(next.at).toISOString() }, lastPush };
    show(loaded.companyName, view);
    if (await condition(() => saved, Math.max(1, next.at - now()))) continue;

    try {
      await pushAndAnnounce(
        { pushId: uuid4(), partnerId: input.partnerId, companyId: input.companyId, trigger: 'scheduled', period: next.period, actor: SCHEDULED_PUSH_ACTOR },
        scheduledPushOptions,
      );
    } catch (error) {
      // Disabled between planning and pushing: nothing was pushed; plan again.
      if (error instanceof ActivityFailure && failureType(error) === billingFailures.notConfigured) continue;
      throw error;
    }
    await continueAsNew<typeof billingSchedule>({ ...input, lastPushedPeriod: next.period });
  }
}

/** The first date whose period comes after the last one pushed (periods are YYYY-MM, so they sort as text). */
function firstUnpushed(date: BillingDate, lastPushedPeriod: string | undefined, after: (instant: number) => BillingDate): BillingDate {
  let next = date;
  while (lastPushedPeriod !== undefined && next.period <= lastPushedPeriod) next = after(next.at);
  return next;
}

/**
 * The period planned before the settings changed, when the new schedule's next date belongs to
 * a later period and that one was not pushed: its billing date moved before now (R26), and
 * waiting for the new date would leave the month unbilled.
 */
function overtakenPeriod(plannedPeriod: string | undefined, upcomingPeriod: string, lastPushedPeriod: string | undefined): string | undefined {
  if (plannedPeriod === undefined || plannedPeriod >= upcomingPeriod) return undefined;
  return lastPushedPeriod !== undefined && plannedPeriod <= lastPushedPeriod ? undefined : plannedPeriod;
}

function latest(...periods: (string | undefined)[]): string | undefined {
  return periods.filter((period): period is string => period !== undefined).sort().at(-1);
}

function show(companyName: string, view: BillingScheduleView): void {
  const last = view.lastPush ? `Last push: ${view.lastPush.period} ${view.lastPush.status} at ${view.lastPush.at}` : 'Last push: none yet';
  showCard({
    title: `ConnectWise billing · ${companyName}`,
    standing: view.enabled ? 'Enabled' : 'Disabled or not set up: waiting for settings to be saved',
    next: view.nextBillingDate ? `Next billing date: ${view.nextBillingDate.at} (period ${view.nextBillingDate.period})\n\n${last}` : last,
  });
}
