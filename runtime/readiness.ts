// What /readyz checks: Temporal reachable, database reachable, migrations applied,
// and a worker polling Tenure's task queue (from any process, not only this one).
import { sql } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { Database } from '../db/client.js';
import { migrationsApplied } from '../db/migrate.js';
import type { ComponentStatus, ReadinessProbe } from '../platform/readiness.js';

async function check(probe: () => Promise<unknown>): Promise<ComponentStatus> {
  try {
    const outcome = await probe();
    return outcome === false ? { ok: false, error: 'not yet' } : { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  }
}

export function readinessProbe(db: Database, client: Client, taskQueue: string): ReadinessProbe {
  return async () => {
    const [temporalStatus, database, migrations, worker] = await Promise.all([
      check(() => client.workflowService.getSystemInfo({})),
      check(() => db.execute(sql`select 1`)),
      check(() => migrationsApplied(db)),
      check(async () => {
        const { pollers } = await client.workflowService.describeTaskQueue({
          namespace: client.options.namespace,
          taskQueue: { name: taskQueue },
          taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        });
        // A worker long-polls at least once a minute; an older sighting is a worker that has gone.
        const recent = Date.now() - 90_000;
        return pollers.some((poller) => poller.lastAccessTime && Number(poller.lastAccessTime.seconds) * 1000 > recent);
      }),
    ]);
    return { temporal: temporalStatus, database, migrations, worker };
  };
}
