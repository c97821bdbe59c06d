// `npm run worker`: one Temporal worker, against TEMPORAL_ADDRESS, DATABASE_URL and SMTP_URL.
import { exitOnStartupError, readConfig, ConfigError } from './config.js';
import { createLogger } from '../platform/logger.js';
import { stopOnSignal } from './signals.js';
import { safeguardsOf } from './safeguards.js';

try {
  const config = readConfig();
  if (!config.DATABASE_URL) throw new ConfigError('DATABASE_URL', 'is required for `npm run worker` (use `npm start` for the embedded database)');
  if (!config.SMTP_URL) throw new ConfigError('SMTP_URL', 'is required for `npm run worker`: notices are sent through it');
  const logger = createLogger(config.LOG_LEVEL, 'tenure-worker');
  const safeguards = await safeguardsOf(config, { embeddedTemporal: false });
  // Loaded after the environment is known good, so a bad variable is reported at once.
  const { startWorker } = await import('./processes.js');
  const worker = await startWorker(config, {
    temporalAddress: config.TEMPORAL_ADDRESS ?? 'localhost:7233',
    databaseUrl: config.DATABASE_URL,
    smtpUrl: config.SMTP_URL,
  }, logger, safeguards);
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker polling');
  stopOnSignal([worker], logger);
} catch (error) {
  exitOnStartupError(error);
}
