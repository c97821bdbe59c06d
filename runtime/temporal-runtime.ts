// The Temporal SDK's runtime in this process: its own log lines (worker state, workflow bundling,
// task failures) go through the process's pino logger, at warn and above so a healthy start stays
// quiet, and it leaves signals to runtime/signals.ts.
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import type { Logger } from '../platform/logger.js';

export function installTemporalRuntime(logger: Logger): void {
  const temporal = logger.child({ component: 'temporal-sdk' });
  const write = ({ level, message, meta }: LogEntry) => {
    if (level === 'ERROR') temporal.error(meta ?? {}, message);
    else temporal.warn(meta ?? {}, message);
  };
  // With its own signal handlers, the SDK would stop the worker at the signal, before the API has
  // stopped: requests in flight would wait for a worker to apply their Updates, and be cut off.
  Runtime.install({ logger: new DefaultLogger('WARN', write), shutdownSignals: [] });
}
