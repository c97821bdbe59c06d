// The two long-running parts of Tenure, each startable alone (production) or together (`npm start`).
import { createServer, type Server } from 'node:http';
import type { Worker } from '@temporalio/worker';
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
import { connectWorker } from './temporal.js';
import { routeTemporalLogs } from './temporal-logs.js';
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

export async function startApi(config: Config, endpoints: Endpoints, logger: Logger, safeguards: Safeguards): Promise<RunningPart & { server: Server }> {
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
  });
  const server = createServer(app.callback());
  await new Promise<void>((ready, fail) => {
    server.once('error', (error) => fail(new Error(`PORT: cannot listen on ${config.PORT} (${error.message})`)));
    server.listen(config.PORT, config.HOST, ready);
  });
  return {
    server,
    async stop() {
      await new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await temporal.connection.close();
      await database.close();
    },
  };
}

export async function startWorker(config: Config, endpoints: Endpoints, logger: Logger, safeguards: Safeguards): Promise<RunningPart & { worker: Worker }> {
  const database = await openCheckedDatabase(endpoints.databaseUrl, BACKGROUND_DEADLINES);
  routeTemporalLogs(logger);
  const connection = await connectWorker(config, endpoints.temporalAddress);
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    activities: { db: database.db, logger, mailer: createMailer(endpoints.smtpUrl, config.MAIL_FROM), webhookTargets: safeguards.webhookTargets, sourceCredentials: await sourceCredentialCipher(config) },
    dataConverter: encryptingDataConverter(safeguards.codec),
    maxCachedWorkflows: config.TENURE_WORKFLOW_CACHE,
  });
  const running = worker.run();
  return {
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await database.close();
    },
  };
}
