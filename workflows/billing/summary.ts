// One workflow per company that receives periodic summaries (`summary:<companyId>`, seed 001):
// it sleeps until the next sending (daily, weekly or monthly), sends the summary of the period
// by e-mail and as a ConnectWise ticket note, and continues as new. Saving the summary settings
// wakes it to plan again.
import { condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createBillingScheduleActivities } from '../../activities/billing/schedule.js';
import type { createSummaryActivities } from '../../activities/billing/summary.js';
import { billingEvents, type SummaryScheduleInput } from '../../machines/billing/contract.js';
import { nextSummaryDate } from '../../machines/billing/summary-dates.js';
import { workflowTime } from '../lifecycle/clock.js';
import { showCard } from './details.js';
import { startWebhookDeliveries } from '../webhook/start.js';
import { summarySettingsSaved } from './messages.js';

const { loadSummarySchedule } = proxyActivities<ReturnType<typeof createBillingScheduleActivities>>({
  startToCloseTimeout: '30s',
  retry: { maximumInterval: '1m' },
});
// SMTP or ConnectWise may be down for a while: keep trying for a day, a summary late is still useful.
const { sendSummary } = proxyActivities<ReturnType<typeof createSummaryActivities>>({
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '15m' },
});

export async function summarySchedule(input: SummaryScheduleInput): Promise<void> {
  let saved = false;
  setHandler(summarySettingsSaved, () => {
    saved = true;
  });
  const now = () => workflowTime() + (input.clockSkewMs ?? 0);

  for (;;) {
    saved = false;
    const schedule = await loadSummarySchedule(input);
    if (!schedule) {
      showCard({ title: 'Periodic summary', standing: 'Off', next: 'Waiting for summary settings to be saved' });
      await condition(() => saved);
      continue;
    }
    const next = nextSummaryDate(now(), schedule);
    showCard({
      title: `Periodic summary · ${schedule.companyName}`,
      standing: `${schedule.frequency} at ${String(schedule.hour)}:00 ${schedule.timeZone}`,
      next: `Next summary: ${new Date(next.at).toISOString()}, covering from ${new Date(next.from).toISOString()}`,
    });
    if (await condition(() => saved, Math.max(1, next.at - now()))) continue;
    const sent = await sendSummary({ ...input, frequency: schedule.frequency, timeZone: schedule.timeZone, from: next.from, to: next.at });
    await startWebhookDeliveries(billingEvents.summarySent, sent.webhookDeliveryIds);
    await continueAsNew<typeof summarySchedule>(input);
  }
}
