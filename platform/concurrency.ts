// Bounded concurrency for a list of calls that belong together (a sync's licenses, a company's
// ConnectWise lookups): one failure fails the whole, so nothing more is started once one has
// failed. p-limit, the batch's limit (api/license/batch.ts), is one limit shared by many callers
// instead, and would start the queued calls after a failure.
/** Runs `work` on every item with at most `limit` of them in flight; answers in the items' order. The first failure starts no more. */
export async function withBoundedConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (error) {
        next = items.length;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
