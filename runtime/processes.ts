// The two long-running parts of Tenure, each startable alone (production) or together (`npm start`).
import { createServer, type Server } from 'node:http';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createApp } from '../api/app.js';
import { applyMigrations } from '../db/migrate.js';
import { ensureBootstrapPartner } from '../api/api-key/keys.js';
import { codecUiOrigins, type Config } from './config.js';
import { encryptingDataConverter } from './payload-keys.js';
import type { Safeguards } from './safeguards.js';
import type { Logger } from '../platform/logger.js';
import { readinessProbe } from './readiness.js';
import { ensureMaintenanceSchedule } from './maintenance.js';
import { BACKGROUND_DEADLINES, REQUEST_DEADLINES } from '../db/client.js';
import { openCheckedDatabase, openTemporalClient } from './services.js';
import { connectWorker, localWorkerOn } from './temporal.js';
import type { LocalWorker } from '../platform/lifecycle/first-state.js';
import { installTemporalRuntime } from './temporal-runtime.js';
import { createWorker } from './worker.js';
import { createMailer } from '../activities/notice/transport.js';
import { sourceCredentialCipher } from './credentials-key.js';

export interface Endpoints {
  temporalAddress: string;
  databaseUrl: string;
  smtpUrl: string | undefined;
}

export interface RunningPart {
  stop(): Promise<void>;
}

/** A worker's connection made before the API starts, when both run in this process (npm start): the API starts workflows eagerly on it. */
export interface WorkerHere {
  connection: NativeConnection;
  local: LocalWorker;
}

export async function connectWorkerHere(config: Config, endpoints: Endpoints, logger: Logger, safeguards: Safeguards): Promise<WorkerHere> {
  installTemporalRuntime(logger);
  const connection = await connectWorker(config, endpoints.temporalAddress);
  return { connection, local: localWorkerOn(connection, config.TEMPORAL_NAMESPACE, encryptingDataConverter(safeguards.codec)) };
}

/**
 * How long requests in flight when the API stops may take to finish before their connections are
 * cut. Answers take well under a second while Temporal and PostgreSQL are up; a request still
 * running after this is retrying against a Temporal server that went away (stopped at the same
 * time by a service manager, or down), which would hold the stop for the client's retries, some 20 s.
 */
const REQUESTS_FINISH_WITHIN_MS = 5_000;

/** Waits until no request is being handled; false when some still are after `withinMs`. */
async function requestsFinished(handling: ReadonlySet<Promise<void>>, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (handling.size > 0) {
    if (Date.now() >= deadline) return false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(handling), new Promise((done) => (timer = setTimeout(done, deadline - Date.now())))]);
    clearTimeout(timer);
  }
  return true;
}

export async function startApi(config: Config, endpoints: Endpoints, logger: Logger, safeguards: Safeguards, here?: WorkerHere): Promise<RunningPart & { server: Server }> {
  const database = await openCheckedDatabase(endpoints.databaseUrl, REQUEST_DEADLINES);
  const temporal = await openTemporalClient(config, endpoints.temporalAddress, encryptingDataConverter(safeguards.codec));
  await applyMigrations(database.db);
  await ensureMaintenanceSchedule(temporal, config.TEMPORAL_TASK_QUEUE);
  if (await ensureBootstrapPartner(database.db, config.TENURE_BOOTSTRAP_KEY)) {
    logger.info('created the first partner with the TENURE_BOOTSTRAP_KEY admin key');
  }
  const app = createApp({
    db: database.db,
    temporal,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    logger,
    readiness: readinessProbe(database.db, temporal, config.TEMPORAL_TASK_QUEUE),
    corsOrigins: config.CORS_ORIGINS,
    codec: { codec: safeguards.codec, uiOrigins: codecUiOrigins(config), trustLoopback: safeguards.trustLocalTemporalUi },
    webhookTargets: safeguards.webhookTargets,
    sourceCredentials: await sourceCredentialCipher(config),
    localWorker: here?.local,
  });
  const handle = app.callback();
  const handling = new Set<Promise<void>>();
  const server = createServer((request, response) => {
    // Once the API stops, a connection closes as soon as its answer is sent: left open, it would
    // carry more requests, and the stop would wait for those too.
    response.once('close', () => {
      if (!server.listening) server.closeIdleConnections();
    });
    const handled = handle(request, response);
    handling.add(handled);
    void handled.finally(() => handling.delete(handled));
  });
  await new Promise<void>((ready, fail) => {
    server.once('error', (error) => fail(new Error(`PORT: cannot listen on ${config.PORT} (${error.message})`)));
    server.listen(config.PORT, config.HOST, ready);
  });
  return {
    server,
    async stop() {
      server.close();
      const finished = await requestsFinished(handling, REQUESTS_FINISH_WITHIN_MS);
      server.closeAllConnections();
      // The Temporal connection and the pool stay with requests still running: closing the connection
      // under a call waiting to be retried makes the SDK's retry throw, uncaught, and the process
      // crash. It ends right after the stop anyway.
      if (!finished) throw new Error(`${handling.size} requests still running ${REQUESTS_FINISH_WITHIN_MS / 1000} s into the stop were cut off`);
      await temporal.connection.close();
      await database.close();
    },
  };
}

/** The worker, on the connection made for it beforehand when the API shares its process; it closes that connection when it stops, after the API. */
export async function startWorker(config: Config, endpoints: Endpoints, logger: Logger, safeguards: Safeguards, here?: WorkerHere): Promise<RunningPart & { worker: Worker }> {
  const database = await openCheckedDatabase(endpoints.databaseUrl, BACKGROUND_DEADLINES);
  const { connection, local } = here ?? (await connectWorkerHere(config, endpoints, logger, safeguards));
  const mailer = createMailer(endpoints.smtpUrl, config.MAIL_FROM);
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities: { db: database.db, logger, mailer, webhookTargets: safeguards.webhookTargets, sourceCredentials: await sourceCredentialCipher(config) },
    dataConverter: encryptingDataConverter(safeguards.codec),
    maxCachedWorkflows: config.TENURE_WORKFLOW_CACHE,
    local,
  });
  const running = worker.run();
  return {
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      // Its pooled SMTP connections would stay open, and a mail server stopped after the worker
      // (npm start's catcher) waits for them: 23-30 s when a notice had gone out shortly before.
      mailer.close();
      await connection.close();
      await database.close();
    },
  };
}
