import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { inject } from 'vitest';
import { openDatabase } from '../../db/client.js';
import { readinessProbe } from '../../runtime/readiness.js';
import { startTenure, type Tenure } from '../support/tenure.js';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure();
});
afterAll(() => tenure?.close());

describe('health', () => {
  it('GET /healthz answers while the process is alive, without a key', async () => {
    const response = await fetch(`${tenure.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz reports Temporal, database, migrations and a polling worker, each ok', async () => {
    const response = await fetch(`${tenure.url}/readyz`);
    expect(await response.json()).toEqual({
      status: 'ready',
      components: { temporal: { ok: true }, database: { ok: true }, migrations: { ok: true }, worker: { ok: true } },
    });
    expect(response.status).toBe(200);
  });

  it('readiness names each component that is not ready: unmigrated database, no worker on the queue', async () => {
    const admin = postgres(inject('postgresAdminUrl'), { max: 1, onnotice: () => {} });
    const name = `unmigrated_${Date.now()}`;
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const unmigrated = openDatabase(inject('postgresAdminUrl').replace(/\/[^/]+$/, `/${name}`));
    try {
      const components = await readinessProbe(unmigrated.db, tenure.client, 'a-queue-nobody-polls')();
      expect(components.temporal).toEqual({ ok: true });
      expect(components.database).toEqual({ ok: true });
      expect(components.migrations?.ok).toBe(false);
      expect(components.worker?.ok).toBe(false);
    } finally {
      await unmigrated.close();
    }
  });
});
