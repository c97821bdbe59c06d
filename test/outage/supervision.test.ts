// Under a real `npm start`, the embedded PostgreSQL and then the Temporal dev server are
// killed (SIGKILL, as the OOM killer would): /readyz names the component down meanwhile, the
// supervisor starts it again on the same data with a log line, and the API works again with
// no manual step (issue 14, DESIGN §9).
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/tenure.js';
import { ctrlC, groupIsGone, npmStartSetup, portIsFree, type Readiness } from '../runtime/npm-start.js';
import { descendantRunning } from './process-tree.js';

const tenure = await npmStartSetup();

afterAll(() => rm(tenure.dataDir, { recursive: true, force: true }));

/** The per-check deadline of runtime/readiness.ts (2 s) and the time to answer after it. */
const READYZ_ANSWERS_WITHIN_MS = 3_500;

/**
 * Polls /readyz from just before `outage` until it is ready again after having been not ready,
 * or, when the server came back within a check's deadline, for `atLeastMs`; keeps every answer
 * with how long it took (undefined: no answer within 10 s).
 */
async function readinessThrough(outage: () => void, atLeastMs: number): Promise<{ ms: number; answer: Readiness | undefined }[]> {
  const answers: { ms: number; answer: Readiness | undefined }[] = [];
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const started = Date.now();
      answers.push({ answer: await tenure.readiness(), ms: Date.now() - started });
      await new Promise((done) => setTimeout(done, 100));
    }
  })();
  const since = Date.now();
  outage();
  const wentDown = () => answers.some(({ answer }) => answer?.status !== 'ready');
  await eventually(async () => answers.at(-1)?.answer?.status, (status) => status === 'ready' && (wentDown() || Date.now() - since > atLeastMs), { timeoutMs: 60_000 });
  polling = false;
  await poll;
  return answers;
}

/** The messages of Tenure's JSON log lines; npm's own banner lines are not JSON. */
const logLines = (output: string) =>
  output.split('\n').flatMap((line) => {
    try {
      return [(JSON.parse(line) as { msg?: string }).msg ?? ''];
    } catch {
      return [];
    }
  });

describe('npm start supervises its embedded servers', () => {
  it('issue 14: a killed PostgreSQL, then a killed Temporal dev server, are restarted on the same data, /readyz names each while it is down, the API works after', async () => {
    const child = tenure.start();
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    await tenure.ready();
    const before = await tenure.request('POST', '/v1/companies', { name: 'Before The Crash Ltd' });
    expect(before.status).toBe(201);

    const postgresPid = Number((await readFile(join(tenure.dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const databaseOutage = await readinessThrough(() => process.kill(postgresPid, 'SIGKILL'), 0);
    for (const { ms } of databaseOutage) expect(ms).toBeLessThan(READYZ_ANSWERS_WITHIN_MS);
    // Whichever of the two database checks (a query, the migrations table) meets a dropped
    // connection first says so; Temporal and the worker are never blamed for the database.
    const notReady = databaseOutage.flatMap(({ answer }) => (answer && answer.status !== 'ready' ? [answer] : []));
    expect(notReady.length).toBeGreaterThan(0);
    for (const { components } of notReady) {
      expect(components.database?.ok === false || components.migrations?.ok === false, JSON.stringify(components)).toBe(true);
      expect([components.temporal?.ok, components.worker?.ok], JSON.stringify(components)).toEqual([true, true]);
    }
    const restartedPid = Number((await readFile(join(tenure.dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    expect(restartedPid).not.toBe(postgresPid);
    expect(logLines(output)).toContain('PostgreSQL exited (killed by SIGKILL); restarting it on the same data');
    expect(logLines(output)).toContain('PostgreSQL restarted');
    // Same data: what was written before the crash is there, and writing works again.
    const companies = await (await tenure.request('GET', '/v1/companies')).json();
    expect(companies.data.map((company: { name: string }) => company.name)).toContain('Before The Crash Ltd');
    const company = await tenure.request('POST', '/v1/companies', { name: 'After The Database Crash Ltd', noticeEmails: ['it@crash.test'] });
    expect(company.status).toBe(201);
    const companyId = ((await company.json()) as { id: string }).id;

    const devServerPid = descendantRunning(child.pid!, join(resolve(tenure.dataDir), 'temporal', 'temporal.sqlite'));
    expect(devServerPid).toBeDefined();
    // The dev server is back within about a second, often inside one check's 2 s deadline, so /readyz
    // may never see it down; what it must never do is hang, nor blame the database. (The worker
    // check asks Temporal too.)
    const temporalOutage = await readinessThrough(() => process.kill(devServerPid!, 'SIGKILL'), 5_000);
    for (const { ms, answer } of temporalOutage) {
      expect(ms).toBeLessThan(READYZ_ANSWERS_WITHIN_MS);
      if (answer?.status === 'ready') continue;
      const components = answer?.components ?? {};
      expect(components.database, JSON.stringify(answer)).toEqual({ ok: true });
      expect(components.temporal?.ok === false || components.worker?.ok === false, JSON.stringify(answer)).toBe(true);
    }
    expect(logLines(output)).toContain('the Temporal dev server exited (killed by SIGKILL); restarting it on the same data');
    expect(logLines(output)).toContain('the Temporal dev server restarted');
    // A new license starts its workflow on the restarted server and is served by the reconnected worker.
    const issued = await tenure.request('POST', '/v1/licenses', { companyId, product: 'endpoint-protection', seats: 5, term: 'annual', expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
    expect(issued.status).toBe(201);
    const licenseId = ((await issued.json()) as { id: string }).id;
    const renewed = await tenure.request('POST', `/v1/licenses/${licenseId}/renew`, { duration: 'P1Y', basis: 'from_expiry' });
    expect(renewed.status).toBe(200);

    const stopped = await ctrlC(child);
    expect(stopped.code === 0 || stopped.signal === 'SIGINT', `exit ${stopped.code} ${stopped.signal}`).toBe(true);
    await eventually(async () => groupIsGone(child.pid!), Boolean, { timeoutMs: 15_000 });
    for (const port of Object.values(tenure.ports)) expect(await portIsFree(port)).toBe(true);
    // Ctrl-C is a stop, not a crash: nothing is restarted on the way out.
    const stopping = logLines(output).slice(logLines(output).indexOf('stopping'));
    expect(stopping.filter((line) => /exited|restart/.test(line))).toEqual([]);
  }, 240_000);
});
