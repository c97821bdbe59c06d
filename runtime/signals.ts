// Ctrl-C, SIGTERM or a closed terminal (SIGHUP) stops every part in reverse order of start, then
// exits: 0 when every part stopped cleanly, 1 when one did not. A second signal exits at once, with
// 128 + its number as a shell reports a process ended by it.
import { constants } from 'node:os';
import type { Logger } from '../platform/logger.js';

/**
 * `npm run worker` and `npm run api` run Tenure under the tsx CLI, which passes a signal on to its
 * child unless the child says within 30 ms that it has it. Ctrl-C reaches both, so the child often
 * gets it a second time some 30 ms later: a repeat this soon is that copy, not a user's second Ctrl-C.
 */
const RELAYED_COPY_WITHIN_MS = 500;

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** How often `npm start` looks for the process that started it. */
const PARENT_CHECK_MS = 1_000;

/**
 * With `whenOrphaned` (`npm start`), it also stops once the process that started it is gone.
 * `kill <npm pid>` reaches npm and the shell npm runs a script in, not the script: the shell dies
 * and Tenure, left without its terminal, held every port until killed by hand.
 */
export function stopOnSignal(parts: { stop(): Promise<void> }[], logger: Logger, { whenOrphaned = false } = {}): void {
  let stoppingSince: number | undefined;
  const stopParts = async (why: Record<string, unknown>) => {
    stoppingSince = performance.now();
    logger.info(why, 'stopping');
    let clean = true;
    for (const part of [...parts].reverse()) {
      await part.stop().catch((error: unknown) => {
        clean = false;
        logger.error({ err: error }, 'a part did not stop cleanly');
      });
    }
    // The last line: every part has ended, the embedded servers included, and their ports are free.
    logger.info(`stopped in ${((performance.now() - stoppingSince) / 1000).toFixed(1)} s`);
    process.exit(clean ? 0 : 1);
  };
  const onSignal = (signal: (typeof STOP_SIGNALS)[number]) => {
    if (stoppingSince === undefined) return void stopParts({ signal });
    if (performance.now() - stoppingSince < RELAYED_COPY_WITHIN_MS) return;
    logger.warn({ signal }, 'exiting at once, without waiting for the stop');
    process.exit(128 + constants.signals[signal]);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  if (!whenOrphaned) return;
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    // A signal to the whole group reaches the shell too: that stop is under way already.
    if (stoppingSince === undefined) void stopParts({ reason: 'the process that started Tenure has ended' });
  }, PARENT_CHECK_MS);
  watch.unref();
}
