// `npm start`: everything on one machine. A local Temporal dev server and PostgreSQL
// unless TEMPORAL_ADDRESS / DATABASE_URL point elsewhere, a local SMTP catcher unless
// SMTP_URL is set, then the worker and the API. Data lives under TENURE_DATA_DIR.
import { join } from 'node:path';
import { exitOnStartupError, readConfig } from './config.js';
import { createLogger } from '../platform/logger.js';
import { startEmbeddedPostgres } from './embedded/postgres.js';
import { startDevServer } from './embedded/temporal.js';
import { startMailCatcher } from './embedded/mail.js';
import { connectWorkerHere, startApi, startWorker, type RunningPart } from './processes.js';
import { safeguardsOf } from './safeguards.js';
import { STOP_SIGNALS, stopOnSignal } from './signals.js';
import { startupMessage } from './startup-message.js';
import { supervise, type ServerProcess, type Supervised } from './embedded/supervise.js';

const parts: RunningPart[] = [];
const config = (() => {
  try {
    return readConfig();
  } catch (error) {
    return exitOnStartupError(error);
  }
})();
const logger = createLogger(config.LOG_LEVEL);
stopOnSignal(parts, logger, { whenOrphaned: true });
// The embedded servers have their own process group, out of the terminal's Ctrl-C, but a service
// manager may signal every process at once (systemd stops a whole control group): from the signal
// on, their exit is part of the stop, not a crash to restart.
const supervised: Supervised<ServerProcess>[] = [];
for (const signal of STOP_SIGNALS) process.on(signal, () => supervised.forEach((server) => server.expectExit()));

try {
  const started = performance.now();
  const dataDir = config.TENURE_DATA_DIR;
  // Payload keys (a local key file unless TENURE_PAYLOAD_KEYS is set) and the webhook policy, before anything starts.
  const safeguards = await safeguardsOf(config, { embeddedTemporal: !config.TEMPORAL_ADDRESS });

  let temporalAddress = config.TEMPORAL_ADDRESS;
  let temporalUi: string | undefined;
  if (!temporalAddress) {
    const server = await supervise('the Temporal dev server', () => startDevServer({
      dataDir: join(dataDir, 'temporal'),
      port: config.TEMPORAL_DEV_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      namespace: config.TEMPORAL_NAMESPACE,
      codecEndpoint: `http://localhost:${config.PORT}/codec`,
      ownProcessGroup: true,
      log: (line) => logger.debug({ component: 'temporal' }, line),
      warn: (message) => logger.warn({ component: 'temporal' }, message),
    }), logger);
    supervised.push(server);
    parts.push(server);
    temporalAddress = server.current().address;
    temporalUi = server.current().uiUrl;
  }

  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    const postgres = await supervise('PostgreSQL', () => startEmbeddedPostgres({
      dataDir: join(dataDir, 'postgres'),
      port: config.EMBEDDED_POSTGRES_PORT,
      database: 'tenure',
      persistent: true,
      ownProcessGroup: true,
      log: (line) => logger.debug({ component: 'postgres' }, line),
      warn: (message) => logger.warn({ component: 'postgres' }, message),
    }), logger);
    supervised.push(postgres);
    parts.push(postgres);
    databaseUrl = postgres.current().url;
  }

  let smtpUrl = config.SMTP_URL;
  if (!smtpUrl) {
    const catcher = await startMailCatcher({ port: config.MAIL_CATCHER_PORT, mailDir: join(dataDir, 'mail') });
    parts.push(catcher);
    smtpUrl = catcher.url;
  }

  const endpoints = { temporalAddress, databaseUrl, smtpUrl };
  // One process, one connection for both: the API's issues start their workflows on this worker eagerly.
  const workerHere = await connectWorkerHere(config, endpoints, logger, safeguards);
  const api = await startApi(config, endpoints, logger, safeguards, workerHere);
  parts.push(api);
  const worker = await startWorker(config, endpoints, logger, safeguards, workerHere);
  // Stopped in reverse order, the API before the worker although started first: requests in
  // flight (an Update waits for the worker to apply it) finish while the worker still serves them.
  parts.splice(parts.indexOf(api), 0, worker);

  logger.info(startupMessage({
    api: `http://localhost:${config.PORT}`,
    temporalUi,
    temporalAddress,
    namespace: config.TEMPORAL_NAMESPACE,
    databaseUrl,
    embeddedDatabase: !config.DATABASE_URL,
    smtpUrl,
    caughtMailDir: config.SMTP_URL ? undefined : join(dataDir, 'mail'),
  }, (performance.now() - started) / 1000));
} catch (error) {
  for (const part of parts.reverse()) await part.stop().catch(() => {});
  exitOnStartupError(error);
}
