// A lifecycle's notices, delivered by the lifecycle workflow itself: one activity per written
// notice, idempotent by its outbox key and Message-ID (R19), retried with backoff through an
// outage. A deadline's notices are first tried by the local activity that wrote them, and
// only those it did not settle come here. Until issue 13 each notice was a workflow of its own
// (`notice:<key>`): a start, two workflow tasks and an activity. A stuck notice shows as the
// lifecycle's pending activity (attempt, last failure) and on its card in the UI.
import { condition, log, patched } from '@temporalio/workflow';
import { deliverNotice } from '../notice/deliver.js';

/**
 * Marks histories whose notices the lifecycle delivers itself, in runs started before lifecycle
 * generation 1 (which says so in its input instead). A run recorded before the patch started a
 * `notice:<key>` workflow per notice, and still does so when it replays.
 */
export const NOTICES_DELIVERED_IN_LIFECYCLE = 'notices-delivered-in-lifecycle';

/** How long a run about to continue as new waits for a notice mid-send, so the next run does not send it again. */
const IN_FLIGHT_GRACE = '10s';

export class NoticeDeliveries {
  private readonly inFlight = new Set<string>();

  /** `changed` is called whenever the notices in flight change, to show them on the card. */
  constructor(private readonly changed: () => void) {}

  /** For a run before generation 1: true when its notices are the lifecycle's to deliver; false when replaying a run that started a workflow per notice. */
  static deliveredInLifecycle(): boolean {
    return patched(NOTICES_DELIVERED_IN_LIFECYCLE);
  }

  /** Outbox keys being delivered: a run that continues as new hands them to the next. */
  get pending(): string[] {
    return [...this.inFlight];
  }

  get settled(): boolean {
    return this.inFlight.size === 0;
  }

  /** Starts delivering each notice in the background; the lifecycle goes on meanwhile. */
  deliver(keys: readonly string[]): void {
    const fresh = keys.filter((key) => !this.inFlight.has(key));
    if (fresh.length === 0) return;
    for (const key of fresh) {
      this.inFlight.add(key);
      void deliverNotice(key)
        // A refusal no retry fixes (a 5xx, no recipients) is already in the outbox and the audit log.
        .catch((error: unknown) => log.warn('notice not delivered', { key, reason: reasonOf(error) }))
        .finally(() => {
          this.inFlight.delete(key);
          this.changed();
        });
    }
    this.changed();
  }

  /** Before continuing as new: a notice mid-send finishes in this run; one still retrying an outage moves on. */
  async letInFlightFinish(): Promise<void> {
    if (!this.settled) await condition(() => this.settled, IN_FLIGHT_GRACE);
  }
}

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
}
