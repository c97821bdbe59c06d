// withBoundedConcurrency: a sync's licenses and a company's ConnectWise lookups are started a
// few at a time, answered in order, and a failure starts nothing more (the whole fails).
import { describe, expect, it } from 'vitest';
import { withBoundedConcurrency } from '../../platform/concurrency.js';

/** A call that stays in flight until the test lets it go. */
function heldCalls() {
  const started: number[] = [];
  const releases = new Map<number, { resolve: (value: string) => void; reject: (error: Error) => void }>();
  let inFlight = 0;
  let mostInFlight = 0;
  const work = (item: number) =>
    new Promise<string>((resolve, reject) => {
      started.push(item);
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      const settled = () => inFlight--;
      releases.set(item, { resolve: (value) => (settled(), resolve(value)), reject: (error) => (settled(), reject(error)) });
    });
  return { work, started, releases, mostInFlight: () => mostInFlight };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('withBoundedConcurrency', () => {
  it('keeps at most `limit` calls in flight and answers in the order of the items, whatever order they finish in', async () => {
    const calls = heldCalls();
    const all = withBoundedConcurrency([0, 1, 2, 3, 4], 2, calls.work);
    await flush();
    expect(calls.started).toEqual([0, 1]);
    calls.releases.get(1)!.resolve('one');
    await flush();
    expect(calls.started).toEqual([0, 1, 2]);
    for (const item of [2, 0]) calls.releases.get(item)!.resolve(`item ${item}`);
    await flush();
    for (const item of [4, 3]) calls.releases.get(item)!.resolve(`item ${item}`);
    expect(await all).toEqual(['item 0', 'one', 'item 2', 'item 3', 'item 4']);
    expect(calls.mostInFlight()).toBe(2);
  });

  it('starts nothing more once a call has failed, and fails with that failure', async () => {
    const calls = heldCalls();
    const all = withBoundedConcurrency([0, 1, 2, 3, 4], 2, calls.work);
    const outcome = all.catch((error: Error) => error);
    await flush();
    calls.releases.get(0)!.reject(new Error('ConnectWise refused company 0'));
    await flush();
    calls.releases.get(1)!.resolve('one');
    await flush();
    expect((await outcome as Error).message).toBe('ConnectWise refused company 0');
    expect(calls.started).toEqual([0, 1]);
  });

  it('answers an empty list at once', async () => {
    expect(await withBoundedConcurrency([], 4, async () => 'never')).toEqual([]);
  });
});
