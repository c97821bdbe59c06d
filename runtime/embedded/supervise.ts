// Keeps an embedded server of `npm start` running: when it ends by itself (crash, OOM kill, a
// stray kill -9), it is started again on the same data and ports, with a log line each way.
// Meanwhile /readyz reports the component down, and clients reconnect on their own.
import type { Logger } from '../../platform/logger.js';

export interface ServerProcess {
  /** Settles when the process has ended, with how (e.g. "killed by SIGKILL"). */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export interface Supervised<T extends ServerProcess> {
  /** The instance running now; its address and ports do not change across restarts. */
  current(): T;
  /** From now on an exit is a stop, not a crash to restart: Ctrl-C reaches the server too (one process group). */
  expectExit(): void;
  stop(): Promise<void>;
}

/** Waits between attempts while the old process's leftovers (shared memory, sockets) clear. */
const RETRY_DELAYS_MS = [500, 1_000, 2_000, 5_000];

export async function supervise<T extends ServerProcess>(name: string, start: () => Promise<T>, logger: Logger): Promise<Supervised<T>> {
  let current = await start();
  let stopping = false;
  let restarting: Promise<void> = Promise.resolve();

  const restartAfterExit = (instance: T) => {
    void instance.exited.then((how) => {
      if (stopping) return;
      logger.error({ component: name, exit: how }, `${name} exited (${how}); restarting it on the same data`);
      restarting = restart();
    });
  };

  const restart = async () => {
    for (let attempt = 0; !stopping; attempt++) {
      await new Promise((done) => setTimeout(done, RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)]));
      if (stopping) return;
      try {
        current = await start();
        if (stopping) {
          await current.stop();
          return;
        }
        logger.info({ component: name, attempt: attempt + 1 }, `${name} restarted`);
        restartAfterExit(current);
        return;
      } catch (error) {
        logger.warn({ component: name, err: error, attempt: attempt + 1 }, `${name} did not restart yet; trying again`);
      }
    }
  };

  restartAfterExit(current);
  return {
    current: () => current,
    expectExit() {
      stopping = true;
    },
    async stop() {
      stopping = true;
      await restarting;
      await current.stop();
    },
  };
}
