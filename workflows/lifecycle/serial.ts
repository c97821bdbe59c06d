// Runs workflow steps one after another, in arrival order: two renewals that arrive
// together both apply, the second on the state the first left (no lost update).
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(step: () => Promise<T>): Promise<T> {
    const result = this.tail.then(step);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
