// Where a figure's dev-server time goes, read from its Prometheus metrics while it runs: the
// persistence calls each item cost. The dev server's SQLite store has one database connection,
// which all its services share (frontend, history, matching, visibility alike): the SQLite plugin
// of go.temporal.io/server sets SetMaxOpenConns(1) and hands every service the same pooled
// connection. Every call waits its turn on it, however many cores are idle, so the calls an item
// costs could bound its rate on this server as its CPU does on the cores: counted, they tell which
// does (README, P3: the cores).
import { inject } from 'vitest';

export type PersistenceCalls = { total: number; byOperation: Record<string, number> };

/** The dev server's metrics (tally) reach its Prometheus endpoint once a second. */
const METRICS_REPORTED_EVERY_MS = 1_000;

/**
 * Persistence calls so far, by operation: execution, task-queue and shard calls, and visibility's.
 * Read once the calls made until now have been reported.
 */
async function persistenceCalls(): Promise<Map<string, number>> {
  await new Promise((resolve) => setTimeout(resolve, METRICS_REPORTED_EVERY_MS + 200));
  const metrics = await (await fetch(inject('temporalMetricsUrl'))).text();
  const calls = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    const counter = /^(visibility_)?persistence_requests\{.*operation="(\w+)".*\} (\S+)$/.exec(line);
    if (!counter) continue;
    const operation = counter[2]!;
    calls.set(operation, (calls.get(operation) ?? 0) + Number(counter[3]));
  }
  return calls;
}

/**
 * Starts counting; the function it answers gives the persistence calls made since, per item, in
 * all and by operation (those made at least once every ten items).
 */
export async function measurePersistence(): Promise<(items: number) => Promise<PersistenceCalls>> {
  const before = await persistenceCalls();
  return async (items) => {
    const after = await persistenceCalls();
    const perItem = (calls: number) => Math.round((calls / items) * 100) / 100;
    const byOperation: Record<string, number> = {};
    let total = 0;
    for (const [operation, count] of [...after].sort(([, a], [, b]) => b - a)) {
      const made = count - (before.get(operation) ?? 0);
      total += made;
      if (made / items >= 0.1) byOperation[operation] = perItem(made);
    }
    return { total: perItem(total), byOperation };
  };
}
