// Retention (issue 14): Idempotency-Key answers are replayed for 24 hours, then the hourly
// maintenance Schedule's purge deletes them, so the table does not grow with every POST ever made.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../db/schema.js';
import { ensureMaintenanceSchedule, maintenanceScheduleId } from '../../runtime/maintenance.js';
import { eventually, startTenure, type Tenure } from '../support/tenure.js';

let tenure: Tenure;
beforeAll(async () => {
  tenure = await startTenure();
});
afterAll(async () => {
  await tenure?.client.schedule.getHandle(maintenanceScheduleId(tenure.taskQueue)).delete().catch(() => {});
  await tenure?.close();
});

/** A company created with `key`: the API keeps its answer under that key. */
const createWithKey = (key: string, name: string) =>
  tenure.api('POST', '/v1/companies', { name, noticeEmails: ['it@retention.test'] }, { headers: { 'Idempotency-Key': key } });

const keptKeys = async (keys: string[]) =>
  (await tenure.db.select({ key: idempotencyKeys.key }).from(idempotencyKeys)).map((row) => row.key).filter((key) => keys.includes(key)).sort();

/** Makes the answer kept under `key` look `minutes` old. */
const age = (key: string, minutes: number) =>
  tenure.db.update(idempotencyKeys).set({ createdAt: sql`now() - make_interval(mins => ${minutes})` }).where(eq(idempotencyKeys.key, key));

describe('idempotency retention', () => {
  it('the hourly maintenance Schedule exists once per task queue and starts the purge', async () => {
    await ensureMaintenanceSchedule(tenure.client, tenure.taskQueue);
    // A second API process, or a restart, finds it there.
    await ensureMaintenanceSchedule(tenure.client, tenure.taskQueue);
    const schedule = await tenure.client.schedule.getHandle(maintenanceScheduleId(tenure.taskQueue)).describe();
    expect(schedule.spec.intervals).toEqual([expect.objectContaining({ every: 3_600_000 })]);
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'purgeExpired', taskQueue: tenure.taskQueue });
  });

  it('answers older than 24 hours are deleted by the scheduled purge; younger ones still replay', async () => {
    const stale = `stale-${Date.now()}`;
    const recent = `recent-${Date.now()}`;
    const almost = `almost-${Date.now()}`;
    for (const key of [stale, recent, almost]) expect((await createWithKey(key, `Company ${key}`)).status).toBe(201);
    await age(stale, 25 * 60);
    await age(almost, 23 * 60);

    await ensureMaintenanceSchedule(tenure.client, tenure.taskQueue);
    await tenure.client.schedule.getHandle(maintenanceScheduleId(tenure.taskQueue)).trigger();
    await eventually(() => keptKeys([stale, recent, almost]), (kept) => !kept.includes(stale), { timeoutMs: 20_000 });
    expect(await keptKeys([stale, recent, almost])).toEqual([almost, recent].sort());

    const replayed = await createWithKey(almost, `Company ${almost}`);
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
  });

  it('the purge workflow reports how many answers it deleted, and deletes no younger one', async () => {
    const keys = [`old-a-${Date.now()}`, `old-b-${Date.now()}`, `young-${Date.now()}`];
    for (const key of keys) expect((await createWithKey(key, `Company ${key}`)).status).toBe(201);
    await age(keys[0]!, 48 * 60);
    await age(keys[1]!, 24 * 60 + 1);

    const result = await tenure.client.workflow.execute('purgeExpired', { taskQueue: tenure.taskQueue, workflowId: `purge-test-${Date.now()}` });
    // Other tests' rows live in other databases: this database's stale rows are exactly these two.
    expect(result).toEqual({ idempotencyKeys: 2 });
    expect(await keptKeys(keys)).toEqual([keys[2]]);
    const [young] = await tenure.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, keys[2]!));
    expect(young?.status).toBe(201);
  });
});
