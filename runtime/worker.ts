// The Temporal worker: Tenure's workflows and the activities that do their I/O.
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { Worker, type InjectedSinks, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from '../activities/index.js';
import type { LocalWorker } from '../platform/lifecycle/first-state.js';
import { localWorkerOn } from './temporal.js';
import type { LifecycleSinks } from '../workflows/lifecycle/sinks.js';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDependencies;
  /** The same payload codec as the clients' (runtime/payload-keys.ts), or nothing they wrote can be read. */
  dataConverter: DataConverter;
  /** A prebuilt bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundle;
  /** Workflows kept in memory (TENURE_WORKFLOW_CACHE). */
  maxCachedWorkflows?: number;
  /** Eager starts on this worker's connection, and where its workflows announce their first states: the API in the same process (npm start) and the sync's activities start on it. */
  local?: LocalWorker;
}

/**
 * Licenses bought together expire together: their workflows all wake at once, run the expiry,
 * then wake again when their notice is sent. A cache smaller than such a wave evicts each before
 * its second task, which then replays from the server's history (and the backlog outlasts the
 * sticky queue's minute): a 2,000-license expiry took 126 s with 500 cached, 121 s with 1,000
 * and 60 s with 2,000, at half the CPU per license (issue 13, P5). Shared modules make a cached
 * workflow about 174 KiB, so 2,000 hold some 340 MiB however many sleep (P6).
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 2000;

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * How the workflows are bundled, here and by the tests. Every workflow shares one V8 context, but
 * each gets its own copy of every module it loads, unless the module is preloaded: then it is
 * evaluated once, frozen, and shared. Tenure's workflow modules, the machines and XState keep no
 * state of their own (the machines run through the pure `transition()`), so all are shared: a
 * cached license workflow then holds about 174 KiB instead of 406, and one woken out of cache
 * no longer evaluates a hundred modules before it replays (issue 13). Sharing is safe only while
 * no module keeps a mutable value at its top level: frozen objects and arrays fail loudly if one
 * tries, but Maps and Sets are not frozen (the one a machine keeps caches pure date formatters).
 */
export const workflowBundleOptions = { workflowsPath, preloadModules: [workflowsPath] };

export function createWorker(options: WorkerOptions): Promise<Worker> {
  const local = options.local ?? localWorkerOn(options.connection, options.namespace, options.dataConverter);
  const sinks: InjectedSinks<LifecycleSinks> = {
    lifecycle: {
      opened: { fn: ({ workflowId }, view) => local.firstStates.announce(workflowId, view), callDuringReplay: false },
    },
  };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath, bundlerOptions: { preloadModules: workflowBundleOptions.preloadModules } }),
    activities: createActivities({ ...options.activities, localWorker: local }),
    dataConverter: options.dataConverter,
    maxCachedWorkflows: options.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    // A mass expiry puts thousands of workflow tasks on this worker's sticky queue at once. At the
    // default 10 s, those it had not started by then timed out and went again through the normal
    // queue (89 of 100 licenses in a 1,000-license expiry), costing the server a timeout and the
    // worker a full replay each: a minute lets the backlog drain (issue 13). Tasks already on the
    // sticky queue of a worker that died wait that minute; new ones go to the others at once.
    stickyQueueScheduleToStartTimeout: '1m',
    // Recording activities wait on PostgreSQL and notices on SMTP, not on this CPU: a mass expiry
    // keeps many in flight (the pooled SMTP transport and the database pool bound the real work).
    maxConcurrentActivityTaskExecutions: 200,
    // Temporal hands an eagerly started workflow's first task to this worker only while it has a
    // free workflow task slot. At the default 40, most of an issue's 32 in flight found none and
    // went through the task queue (747 of 1,000); the tasks wait on PostgreSQL, not on this CPU.
    maxConcurrentWorkflowTaskExecutions: 200,
    sinks,
  });
}
