// What the hourly maintenance Schedule starts (runtime/maintenance.ts): purge what has
// outlived its retention. An activity per table, retried by Temporal like any other I/O.
import { proxyActivities } from '@temporalio/workflow';
import type { MaintenanceActivities } from '../../activities/maintenance/purge.js';

const { purgeIdempotencyKeys } = proxyActivities<MaintenanceActivities>({ startToCloseTimeout: '1 minute' });

export async function purgeExpired(): Promise<{ idempotencyKeys: number }> {
  return { idempotencyKeys: await purgeIdempotencyKeys() };
}
