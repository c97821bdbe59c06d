// One workflow per company that receives periodic summaries (`summary:<companyId>`, seed 001):
// it sleeps until the next sending (daily, weekly or monthly), sends the summary of the period
// by e-mail and as a ConnectWise ticket note, and continues as new. A period that cannot be
// sent is recorded as failed and the schedule goes on: one refusal by ConnectWise must not end
// every later summary. Saving the summary settings wakes it to plan again.
import { ActivityFailure, ApplicationFailure, condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createBillingScheduleActivities } from '../../activities/billing/schedule.js';
import type { createSummaryActivities, SummaryFailure, SummaryRequest } from '../../activities/billing/summary.js';
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
const { recordSummaryFailed } = proxyActivities<ReturnType<typeof createSummaryActivities>>({
  startToCloseTimeout: '30s',
  retry: { maximumInterval: '1m' },
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
    await sendOrRecordFailure({ ...input, frequency: schedule.frequency, timeZone: schedule.timeZone, from: next.from, to: next.at });
    await continueAsNew<typeof summarySchedule>(input);
  }
}

async function sendOrRecordFailure(request: SummaryRequest): Promise<void> {
  try {
    const sent = await sendSummary(request);
    await startWebhookDeliveries(billingEvents.summarySent, sent.webhookDeliveryIds);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const failed = await recordSummaryFailed(request, failureOf(error));
    await startWebhookDeliveries(billingEvents.summaryFailed, failed.webhookDeliveryIds);
  }
}

/** The failure an attempt raised, found under a timeout when a day of retries ran out. */
function failureOf(error: ActivityFailure): SummaryFailure {
  for (let cause: Error | undefined = error.cause; cause; cause = cause.cause instanceof Error ? cause.cause : undefined) {
    if (cause instanceof ApplicationFailure) return { error: cause.message, errorType: cause.type ?? null };
  }
  return { error: error.cause?.message ?? error.message, errorType: null };
}
