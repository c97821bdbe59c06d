// Starting a lifecycle workflow and waiting until its first state is written: the API's issue,
// its batch and the sync's first import share it, so every answer reads its own write (DESIGN §4).
//
// Two ways, one answer. Through Temporal alone: update-with-start, one round trip instead of a
// start and then an Update. Where the worker runs in the caller's process (`npm start`): an eager
// start, whose first workflow task Temporal hands back with the start's answer to this process's
// worker, without a trip through the task queue, and whose first state the workflow announces here
// once written (the lifecycle's `opened` sink). That spares the server a third of an issue's
// persistence calls (issue 13, P3). Whenever the eager way does not answer (no free slot on the
// worker, a first task that failed), the `recorded` Update does.
import { WithStartWorkflowOperation, type Client, type WorkflowHandle, type WorkflowStartOptions } from '@temporalio/client';
import type { WorkflowIdConflictPolicy } from '@temporalio/common';

export interface FirstStateStart {
  workflowType: string;
  /** The Update that answers once the workflow has written its first state (`recorded`). */
  recordedUpdate: string;
  /** `FAIL` for a new id (a clash is a bug), `USE_EXISTING` where a retry must find the one it started. */
  options: WorkflowStartOptions & { workflowIdConflictPolicy: WorkflowIdConflictPolicy };
}

/** The first states this process's worker has written, told to whoever in this process waits for them. */
export class LocalFirstStates {
  private readonly waiting = new Map<string, (view: unknown) => void>();

  /** Called by the lifecycle workflows' `opened` sink: no one may be waiting (a sync's retry, a restart). */
  announce(workflowId: string, view: unknown): void {
    this.waiting.get(workflowId)?.(view);
  }

  /** Starts waiting for `workflowId`'s first state: before the workflow starts, or its announcement could come first. */
  expect<View>(workflowId: string): { within(ms: number): Promise<View | undefined>; forget(): void } {
    let announced!: (view: unknown) => void;
    const view = new Promise<View | undefined>((resolve) => (announced = resolve as (view: unknown) => void));
    this.waiting.set(workflowId, announced);
    let timer: NodeJS.Timeout | undefined;
    return {
      within: (ms) => {
        timer = setTimeout(() => announced(undefined), ms);
        return view;
      },
      forget: () => {
        clearTimeout(timer);
        // A retry of the same start (a sync's activity) may wait for the same workflow meanwhile: leave it its wait.
        if (this.waiting.get(workflowId) === announced) this.waiting.delete(workflowId);
      },
    };
  }
}

/** The worker in the caller's process, when there is one: eager starts need the connection it polls with. */
export interface LocalWorker {
  /** Starts a workflow asking Temporal to hand its first task straight to this process's worker. */
  startEagerly(workflowType: string, options: WorkflowStartOptions): Promise<WorkflowHandle & { readonly eagerlyStarted: boolean }>;
  firstStates: LocalFirstStates;
  /** How long an eagerly started workflow's first state may take to be announced before the Update is asked instead. */
  announcedWithinMs: number;
}

/** Resolves with the workflow's view once its first state is written. */
export async function startAndAwaitFirstState<View>(client: Client, { workflowType, recordedUpdate, options }: FirstStateStart, local?: LocalWorker): Promise<View> {
  if (!local) {
    const startWorkflowOperation = new WithStartWorkflowOperation(workflowType, options);
    return client.workflow.executeUpdateWithStart(recordedUpdate, { startWorkflowOperation }) as Promise<View>;
  }
  const announcement = local.firstStates.expect<View>(options.workflowId);
  try {
    const { eagerlyStarted } = await local.startEagerly(workflowType, options);
    const view = eagerlyStarted ? await announcement.within(local.announcedWithinMs) : undefined;
    return view ?? ((await client.workflow.getHandle(options.workflowId).executeUpdate(recordedUpdate)) as View);
  } finally {
    announcement.forget();
  }
}
