// The Temporal worker: Tenure's workflows and the activities that do their I/O.
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from '../activities/index.js';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDependencies;
  /** The same payload codec as the clients' (runtime/payload-keys.ts), or nothing they wrote can be read. */
  dataConverter: DataConverter;
  /** A prebuilt bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundle;
}

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities: createActivities(options.activities),
    dataConverter: options.dataConverter,
    // Entity workflows wait on timers for months; keep few of them cached so memory stays flat:
    // ~0.6 MiB each, so 500 keep the worker well under 1 GiB however many sleep (issue 13, P6).
    // A workflow woken out of cache replays its short history (one cycle) instead.
    maxCachedWorkflows: 500,
    // A mass expiry puts thousands of workflow tasks on this worker's sticky queue at once. At the
    // default 10 s, those it had not started by then timed out and went again through the normal
    // queue (89 of 100 licenses in a 1,000-license expiry), costing the server a timeout and the
    // worker a full replay each: a minute lets the backlog drain (issue 13). Tasks already on the
    // sticky queue of a worker that died wait that minute; new ones go to the others at once.
    stickyQueueScheduleToStartTimeout: '1m',
    // Recording activities wait on PostgreSQL and notices on SMTP, not on this CPU: a mass expiry
    // keeps many in flight (the pooled SMTP transport and the database pool bound the real work).
    maxConcurrentActivityTaskExecutions: 200,
  });
}
