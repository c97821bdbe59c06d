// `npm run api`: the HTTP API alone, against TEMPORAL_ADDRESS and DATABASE_URL.
import { exitOnStartupError, readConfig, ConfigError } from './config.js';
import { createLogger } from '../platform/logger.js';
import { stopOnSignal } from './signals.js';
import { safeguardsOf } from './safeguards.js';

try {
  const config = readConfig();
  if (!config.DATABASE_URL) throw new ConfigError('DATABASE_URL', 'is required for `npm run api` (use `npm start` for the embedded database)');
  const logger = createLogger(config.LOG_LEVEL, 'tenure-api');
  const safeguards = await safeguardsOf(config, { embeddedTemporal: false });
  // Loaded after the environment is known good, so a bad variable is reported at once.
  const { startApi } = await import('./processes.js');
  const api = await startApi(config, {
    temporalAddress: config.TEMPORAL_ADDRESS ?? 'localhost:7233',
    databaseUrl: config.DATABASE_URL,
    smtpUrl: config.SMTP_URL,
  }, logger, safeguards);
  logger.info({ port: config.PORT }, `API listening on http://localhost:${config.PORT}`);
  stopOnSignal([api], logger);
} catch (error) {
  exitOnStartupError(error);
}
