// Ctrl-C stops every part in reverse order of start, then exits; a second Ctrl-C exits at once.
import type { Logger } from '../platform/logger.js';

export function stopOnSignal(parts: { stop(): Promise<void> }[], logger: Logger, onStopped: () => Promise<void> = async () => {}): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    logger.info({ signal }, 'stopping');
    for (const part of [...parts].reverse()) {
      await part.stop().catch((error: unknown) => logger.error({ err: error }, 'a part did not stop cleanly'));
    }
    await onStopped();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
