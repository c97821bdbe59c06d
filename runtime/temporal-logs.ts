// The Temporal SDK's own log lines (worker state, workflow bundling, task failures) go
// through the process's pino logger, at warn and above so a healthy start stays quiet.
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import type { Logger } from '../platform/logger.js';

export function routeTemporalLogs(logger: Logger): void {
  const temporal = logger.child({ component: 'temporal-sdk' });
  const write = ({ level, message, meta }: LogEntry) => {
    if (level === 'ERROR') temporal.error(meta ?? {}, message);
    else temporal.warn(meta ?? {}, message);
  };
  Runtime.install({ logger: new DefaultLogger('WARN', write) });
}
