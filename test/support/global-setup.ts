// One real Temporal dev server and one real PostgreSQL for the whole run, and the
// workflow bundle built once; every test file gets its own database and task queue.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { freePort } from './ports.js';
import { startEmbeddedPostgres } from '../../runtime/embedded/postgres.js';
import { devServerTuningFlags } from '../../runtime/embedded/temporal.js';
import { workflowBundleOptions } from '../../runtime/worker.js';
import { searchAttributeKeys } from '../../workflows/search-attributes.js';
// @ts-expect-error plain ESM helper shared with the dependency-free bootstrap
import { findTemporalCli } from '../../scripts/temporal-cli.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    /** The dev server's Prometheus metrics: the bench reads how many persistence calls its work cost. */
    temporalMetricsUrl: string;
    postgresAdminUrl: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  const scratch = await mkdtemp(join(tmpdir(), 'tenure-test-'));
  const executable: string | undefined = findTemporalCli();
  if (!executable) throw new Error('the Temporal CLI is missing: run the tests with `npm test`, which builds it');

  const metricsPort = await freePort();
  const [temporal, postgres, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: executable },
        searchAttributes: searchAttributeKeys,
        ui: false,
        // In a file, as `npm start` keeps it: the bench measures what a user runs.
        dbFilename: join(scratch, 'temporal.sqlite'),
        extraArgs: ['--log-level', 'error', '--metrics-port', String(metricsPort), ...devServerTuningFlags()],
      },
    }),
    // The bench measures what `npm start` runs: a PostgreSQL that waits for the disk at every commit.
    // The tests need no durability from their throwaway database, and run faster without it.
    freePort().then((port) =>
      startEmbeddedPostgres({ dataDir: join(scratch, 'postgres'), port, database: 'tenure', persistent: false, durable: project.vitest.mode === 'benchmark' }),
    ),
    bundleWorkflowCode({ ...workflowBundleOptions, logger: quietBundlerLogger }),
  ]);
  const workflowBundlePath = join(scratch, 'workflow-bundle.js');
  await writeFile(workflowBundlePath, bundle.code);

  project.provide('temporalAddress', temporal.address);
  project.provide('temporalMetricsUrl', `http://127.0.0.1:${metricsPort}/metrics`);
  project.provide('postgresAdminUrl', postgres.url);
  project.provide('workflowBundlePath', workflowBundlePath);

  return async () => {
    await temporal.teardown();
    await postgres.stop();
    await rm(scratch, { recursive: true, force: true });
  };
}

const quietBundlerLogger = {
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string, meta?: unknown) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: unknown) => console.error(message, meta ?? ''),
  log: () => {},
};
