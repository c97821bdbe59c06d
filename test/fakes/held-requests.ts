// Requests a fake holds until the test lets them go, and those whose client left unanswered: how
// a test sees a connector stop its calls under way once its read is stopped or cancelled (R23).
import type { Server, ServerResponse } from 'node:http';

export class HeldRequests {
  private readonly waiting: Array<() => void> = [];
  private holding = false;
  private left = 0;

  /** Requests from now on wait until released, oldest first. */
  hold(): void {
    this.holding = true;
  }

  release(count = this.waiting.length): void {
    for (const go of this.waiting.splice(0, count)) go();
  }

  /** Requests waiting to be released. */
  get held(): number {
    return this.waiting.length;
  }

  /** Requests whose client went away before they were answered. */
  get abandoned(): number {
    return this.left;
  }

  /** Resolves once the request may be answered: at once, unless requests are held. */
  passage(): Promise<void> {
    return this.holding ? new Promise((go) => this.waiting.push(go)) : Promise.resolve();
  }

  /** Counts `response` as abandoned if its client goes away before it is answered. */
  watch(response: ServerResponse): void {
    response.on('close', () => {
      if (!response.writableFinished) this.left += 1;
    });
  }

  /** Holds no more and lets every held request go: a closing fake must not wait on them. */
  end(): void {
    this.holding = false;
    this.release();
  }
}

/**
 * Closes a fake's server: the requests it holds go first, and the connections a client keeps
 * alive are dropped, where server.close() alone would wait until the client drops them (seconds).
 */
export function closeFakeServer(server: Server, ...held: HeldRequests[]): Promise<void> {
  for (const requests of held) requests.end();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}
