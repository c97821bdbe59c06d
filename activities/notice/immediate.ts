// The first attempt at the notices of a transition no caller waits on (a deadline), made by the
// local activity that has just written them. A mass expiry then costs each license one workflow
// task, not a second one for a notice activity (issue 13). A notice this attempt does not settle
// in time (the mail server is down, slow, or asks to come back later) is left to the lifecycle's
// retrying activity, which shows it stuck in the Temporal UI as before (./deliver.ts).
import { ApplicationFailure } from '@temporalio/activity';
import { deliverOnce, type NoticeDependencies } from './deliver.js';

/** How long a transition's write waits for its notice's SMTP conversation. A relay answers in well under a second. */
const IMMEDIATE_ATTEMPT_MS = 5_000;

class SlowMailServer extends Error {
  override name = 'SlowMailServer';
}

export interface ImmediateNotices {
  /**
   * Sends each notice once, at once. Answers the keys settled: sent, skipped, or refused for good
   * with the reason on record (R19). The others are still pending, for the activity to deliver.
   */
  sendNow(keys: readonly string[]): Promise<string[]>;
}

export function createImmediateNotices(deps: NoticeDependencies): ImmediateNotices {
  const attempt = async (key: string): Promise<string | undefined> => {
    try {
      await withinImmediateAttempt(deliverOnce(deps, key, (send) => send));
      return key;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof ApplicationFailure && error.nonRetryable) {
        deps.logger.warn({ key, reason }, 'notice not delivered');
        return key;
      }
      deps.logger.info({ key, reason }, 'notice not sent at once: its activity delivers it');
      return undefined;
    }
  };
  return {
    async sendNow(keys) {
      const settled = await Promise.all(keys.map(attempt));
      return settled.filter((key): key is string => key !== undefined);
    },
  };
}

/**
 * The attempt, or a failure once the bound is reached. An attempt still talking to the mail server
 * then goes on and settles its row if the server accepts: the activity that follows finds it sent,
 * or, still pending, repeats the very same message with the same Message-ID (R19).
 */
async function withinImmediateAttempt<T>(attempt: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SlowMailServer(`no answer from the mail server within ${IMMEDIATE_ATTEMPT_MS} ms`)), IMMEDIATE_ATTEMPT_MS);
  });
  // Its failure after the bound is the activity's to retry, not an unhandled rejection here.
  attempt.catch(() => undefined);
  try {
    return await Promise.race([attempt, bound]);
  } finally {
    clearTimeout(timer);
  }
}
