// What /readyz checks: Temporal reachable, database reachable, migrations applied,
// and a worker polling Tenure's task queue (from any process, not only this one). Each check
// has its own deadline, so a hung component is reported down within seconds instead of
// hanging the probe (a probe with a deadline would read that as this process being dead).
import { sql } from 'drizzle-orm';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { Database } from '../db/client.js';
import { migrationsApplied } from '../db/migrate.js';
import type { ComponentStatus, ReadinessProbe } from '../platform/readiness.js';

/** Well under the usual 5-10 s probe timeout of a load balancer or Kubernetes. */
export const CHECK_DEADLINE_MS = 2_000;

async function check(probe: () => Promise<unknown>): Promise<ComponentStatus> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`no answer within ${CHECK_DEADLINE_MS / 1000} s`)), CHECK_DEADLINE_MS);
  });
  try {
    const outcome = await Promise.race([probe(), late]);
    return outcome === false ? { ok: false, error: 'not yet' } : { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  } finally {
    clearTimeout(timer);
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
