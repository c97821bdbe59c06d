// Starts test/support/worker-process.ts for a test's Tenure, so that SIGKILL ends its worker
// the way a crash or an OOM kill would.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import type { Tenure } from './tenure.js';

const workerScript = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

/** Resolves once the worker polls the Tenure's task queue; fails if it exits before. */
export function startWorkerProcess(tenure: Tenure): Promise<ChildProcess> {
  // node itself, not npx: SIGKILL must reach the process that runs the worker.
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript], {
    env: {
      ...process.env,
      DATABASE_URL: tenure.databaseUrl,
      TEMPORAL_ADDRESS: tenure.temporalAddress,
      TASK_QUEUE: tenure.taskQueue,
      WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      SMTP_URL: tenure.smtpUrl,
      TENURE_CREDENTIALS_KEY: tenure.credentialsKey,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((ready, fail) => {
    child.stdout!.once('data', () => ready(child));
    child.once('exit', (code) => fail(new Error(`worker process exited early (${code})`)));
  });
}
