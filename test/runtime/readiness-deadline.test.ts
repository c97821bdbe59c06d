// /readyz answers within seconds whatever hangs (issue 14): each check has its own 2 s deadline,
// so a load balancer's probe reads a hung database or Temporal as "that component is down",
// never as this process being dead.
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../db/client.js';
import { CHECK_DEADLINE_MS, readinessProbe } from '../../runtime/readiness.js';

/** Stands in for a server that accepted the request and never answers: every call chain ends in a promise that never settles. */
const neverAnswering = (): any => {
  const hung: any = new Proxy(() => {}, {
    get: (_target, property) => (property === 'then' ? () => {} : hung),
    apply: () => hung,
  });
  return hung;
};

const answering = {
  db: { execute: async () => [{ count: '999' }] } as unknown as Database,
  client: {
    options: { namespace: 'default' },
    workflowService: {
      getSystemInfo: async () => ({}),
      describeTaskQueue: async () => ({ pollers: [{ lastAccessTime: { seconds: Math.floor(Date.now() / 1000) } }] }),
    },
  } as unknown as Client,
};

async function timedProbe(db: Database, client: Client) {
  const started = Date.now();
  const components = await readinessProbe(db, client, 'tenure')();
  return { components, ms: Date.now() - started };
}

describe('readiness deadlines', () => {
  it('a hung database is reported down within the 2 s deadline; Temporal and the worker still report', async () => {
    const { components, ms } = await timedProbe(neverAnswering(), answering.client);
    expect(ms).toBeGreaterThanOrEqual(CHECK_DEADLINE_MS - 50);
    expect(ms).toBeLessThan(CHECK_DEADLINE_MS + 1_000);
    expect(components).toEqual({
      temporal: { ok: true },
      database: { ok: false, error: 'no answer within 2 s' },
      migrations: { ok: false, error: 'no answer within 2 s' },
      worker: { ok: true },
    });
  });

  it('everything hung at once still answers within one deadline, not one per check', async () => {
    const { components, ms } = await timedProbe(neverAnswering(), neverAnswering());
    expect(ms).toBeLessThan(CHECK_DEADLINE_MS + 1_000);
    for (const name of ['temporal', 'database', 'migrations', 'worker']) expect(components[name], name).toEqual({ ok: false, error: 'no answer within 2 s' });
  });

  it('a check that fails at once is reported at once, with its first line', async () => {
    const refused = { ...answering.client, workflowService: { ...answering.client.workflowService, getSystemInfo: async () => { throw new Error('14 UNAVAILABLE: No connection established\nmore detail'); } } } as unknown as Client;
    const { components, ms } = await timedProbe(answering.db, refused);
    expect(ms).toBeLessThan(500);
    expect(components.temporal).toEqual({ ok: false, error: '14 UNAVAILABLE: No connection established' });
    expect(components.database).toEqual({ ok: true });
  });
});
