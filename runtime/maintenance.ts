// The Temporal Schedule that purges expired rows every hour (workflows/maintenance/purge.ts),
// one per task queue, created by the API at start (it holds the Temporal client) unless it exists.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';

const HOUR_MS = 60 * 60 * 1000;

export const maintenanceScheduleId = (taskQueue: string) => `maintenance:${taskQueue}`;

export async function ensureMaintenanceSchedule(client: Client, taskQueue: string): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: maintenanceScheduleId(taskQueue),
      spec: { intervals: [{ every: HOUR_MS }] },
      action: { type: 'startWorkflow', workflowType: 'purgeExpired', args: [], taskQueue, workflowId: `purge-expired:${taskQueue}` },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
      state: { note: 'Hourly: deletes Idempotency-Key answers older than 24 hours' },
    });
  } catch (error) {
    // Another API process, or an earlier start, made it.
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
}
