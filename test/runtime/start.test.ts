// `npm start` as a user runs it: every part comes up at the addresses it prints, Ctrl-C, SIGTERM
// or a kill of npm alone leaves nothing behind within seconds, a start after a kill -9 finds the
// same data, and a start that cannot run (its data in use, a port taken) says why and touches nothing.
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/tenure.js';
import { groupIsGone, npmStartSetup, portIsFree, processesUsing, processOfGroup, signalGroup } from './npm-start.js';
import { collect } from './process.js';

const tenure = await npmStartSetup();
const { ports, ready, request } = tenure;
const started: ChildProcess[] = [];
const npmStart = () => {
  const child = tenure.start();
  started.push(child);
  return child;
};

// A failed check leaves its stack running: stopped here, so no server outlives the test.
afterAll(async () => {
  for (const child of started.filter((each) => !groupIsGone(each.pid!))) {
    process.kill(-child.pid!, 'SIGINT');
    await eventually(async () => groupIsGone(child.pid!), Boolean, { timeoutMs: 60_000 });
  }
  // Servers in process groups of their own, left by a Tenure killed outright and not yet stopped by the next start.
  for (const pid of processesUsing(resolve(tenure.dataDir))) process.kill(pid, 'SIGKILL');
  await rm(tenure.dataDir, { recursive: true, force: true });
});

/** A stop a user waits for. Measured at 1.1-2.5 s; it took 28-31 s once a notice had gone out. */
const STOP_NOTICED_AFTER_MS = 10_000;

/** Everything the process and its children write to stdout, as it comes. */
function capture(child: ChildProcess): () => string {
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  return () => output;
}

/**
 * Signals the group and resolves once every process of it has ended, with how long that took.
 * Tenure ends after the embedded servers it stops, and its last line says the stop was the clean
 * one, not an exit at once.
 */
async function stopTimed(child: ChildProcess, output: () => string, signal: 'SIGINT' | 'SIGTERM'): Promise<number> {
  const since = performance.now();
  const npm = await signalGroup(child, signal);
  // npm itself ends by the signal, as in a terminal; what counts is that nothing is left behind.
  expect(npm.code === 0 || npm.signal === signal, `exit ${npm.code} ${npm.signal}`).toBe(true);
  await eventually(async () => groupIsGone(child.pid!), Boolean, { timeoutMs: 60_000, intervalMs: 50 });
  const stoppedMs = performance.now() - since;
  // Tenure's last line once every part has ended; its output may still be in the pipe.
  await eventually(async () => output(), (text) => /"msg":"stopped in \d+\.\d s"/.test(text), { timeoutMs: 5_000 });
  expect(output()).not.toMatch(/did not stop cleanly|exiting at once/);
  return stoppedMs;
}

/** The startup message, out of the JSON log line that carries it. */
function startupMessageIn(output: string): string {
  const line = output.split('\n').find((candidate) => candidate.includes('Tenure is up'));
  expect(line, output).toBeDefined();
  return (JSON.parse(line!) as { msg: string }).msg;
}

describe('npm start', () => {
  it('brings every part up where it says, stops within seconds on Ctrl-C and SIGTERM, and keeps the data for the next start', async () => {
    const first = npmStart();
    const output = capture(first);
    const readiness = await ready();
    expect(readiness?.components).toEqual({ temporal: { ok: true }, database: { ok: true }, migrations: { ok: true }, worker: { ok: true } });

    const message = startupMessageIn(output());
    const base = `http://localhost:${ports.PORT}`;
    for (const path of ['/v1', '/docs', '/openapi.json', '/healthz', '/readyz', '/metrics', '/v1/outbox']) expect(message).toContain(`${base}${path}`);
    expect(message).toContain(`http://localhost:${ports.TEMPORAL_UI_PORT}`);
    expect(message).toContain(`127.0.0.1:${ports.TEMPORAL_DEV_PORT}`);
    expect(message).toContain(`postgres://tenure:tenure@127.0.0.1:${ports.EMBEDDED_POSTGRES_PORT}/tenure`);
    expect(message).toContain(`smtp://127.0.0.1:${ports.MAIL_CATCHER_PORT}`);
    const mailDir = join(resolve(tenure.dataDir), 'mail');
    expect(message).toContain(mailDir);
    // Every page it names is served; /v1 is the API's base, under which each route is.
    for (const url of message.match(/http:\/\/[^\s;)]+/g)!.filter((found) => found !== `${base}/v1`)) {
      const answer = await fetch(url.replace('localhost', '127.0.0.1'), { headers: { authorization: `Bearer ${tenure.bootstrapKey}` } });
      expect(answer.status, url).toBe(200);
    }

    const created = await request('POST', '/v1/companies', { name: 'Kept Across Restarts Ltd', noticeEmails: ['it@kept.test'] });
    expect(created.status).toBe(201);
    // A notice goes out through the local mail catcher: the worker's SMTP connection is then open, as
    // after any notice, and the stop must not wait for it.
    const policy = await request('POST', '/v1/policies', { name: 'Notice at once', trial: 'PT30S', grace: 'PT1H', suspension: 'PT1H', expiryNotices: ['PT2S'], deletionNotice: 'PT1M' });
    expect(policy.status).toBe(201);
    const { id: companyId } = (await created.json()) as { id: string };
    const { id: policyId } = (await policy.json()) as { id: string };
    const issued = await request('POST', '/v1/licenses', { companyId, policyId, product: 'endpoint-protection', seats: 5, term: 'annual', expiresAt: new Date(Date.now() + 3_000).toISOString() });
    expect(issued.status).toBe(201);
    await eventually(() => request('GET', '/v1/outbox').then((answer) => answer.json()), (outbox: { data: { status: string }[] }) => outbox.data.some((notice) => notice.status === 'sent'));
    expect((await readdir(mailDir)).filter((file) => file.endsWith('.eml'))).not.toEqual([]);

    expect(await stopTimed(first, output, 'SIGINT')).toBeLessThan(STOP_NOTICED_AFTER_MS);
    for (const [name, port] of Object.entries(ports)) expect(await portIsFree(port), `${name} ${port} still taken`).toBe(true);

    const second = npmStart();
    const secondOutput = capture(second);
    await ready();
    const companies = await request('GET', '/v1/companies').then((response) => response.json());
    expect(companies.data.map((company: { name: string }) => company.name)).toContain('Kept Across Restarts Ltd');
    // As a service manager stops it: every process of the group gets SIGTERM.
    expect(await stopTimed(second, secondOutput, 'SIGTERM')).toBeLessThan(STOP_NOTICED_AFTER_MS);
    for (const port of Object.values(ports)) expect(await portIsFree(port)).toBe(true);
  }, 400_000);

  it('stops in order when only npm is killed, and after a kill -9 of Tenure the next start stops the servers it left and finds the same data', async () => {
    // `kill <npm pid>` reaches npm and the shell it runs the script in, not Tenure: Tenure sees its parent gone.
    const third = npmStart();
    const thirdOutput = capture(third);
    await ready();
    const since = performance.now();
    process.kill(third.pid!, 'SIGTERM');
    await eventually(async () => groupIsGone(third.pid!), Boolean, { timeoutMs: 60_000, intervalMs: 50 });
    expect(performance.now() - since).toBeLessThan(STOP_NOTICED_AFTER_MS);
    await eventually(async () => thirdOutput(), (text) => /"msg":"stopped in \d+\.\d s"/.test(text), { timeoutMs: 5_000 });
    for (const [name, port] of Object.entries(ports)) expect(await portIsFree(port), `${name} ${port} still taken`).toBe(true);

    // kill -9 of Tenure's own process: Temporal and PostgreSQL, in process groups of their own, outlive it.
    const fourth = npmStart();
    await ready();
    expect((await request('POST', '/v1/companies', { name: 'Written Before A Kill Ltd' })).status).toBe(201);
    process.kill(processOfGroup(fourth.pid!, /^\S*node scripts\/start\.mjs/), 'SIGKILL');
    await eventually(async () => groupIsGone(fourth.pid!), Boolean, { timeoutMs: 60_000, intervalMs: 50 });
    expect(await portIsFree(ports.EMBEDDED_POSTGRES_PORT)).toBe(false);
    expect(await portIsFree(ports.TEMPORAL_DEV_PORT)).toBe(false);

    const fifth = npmStart();
    const fifthOutput = capture(fifth);
    const readiness = await ready();
    expect(readiness?.status).toBe('ready');
    expect(fifthOutput().match(/a killed run left running/g)).toHaveLength(2);
    const companies = await request('GET', '/v1/companies').then((response) => response.json());
    expect(companies.data.map((company: { name: string }) => company.name)).toContain('Written Before A Kill Ltd');
    expect(await stopTimed(fifth, fifthOutput, 'SIGTERM')).toBeLessThan(STOP_NOTICED_AFTER_MS);
    for (const port of Object.values(ports)) expect(await portIsFree(port)).toBe(true);
    expect(processesUsing(resolve(tenure.dataDir))).toEqual([]);
  }, 400_000);

  it('a second npm start on the same data stops with the reason and leaves the running one alone', async () => {
    const running = npmStart();
    const runningOutput = capture(running);
    await ready();

    const second = await collect(npmStart(), 120_000);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^tenure: another Tenure \(pid \d+\) is running on .*: stop it first, or give this one a TENURE_DATA_DIR of its own$/m);

    expect((await tenure.readiness())?.status).toBe('ready');
    expect(runningOutput()).not.toMatch(/left running|exited|restart/);
    expect(await stopTimed(running, runningOutput, 'SIGINT')).toBeLessThan(STOP_NOTICED_AFTER_MS);
  }, 200_000);

  it("stops at once, naming the port and its variable, when another program holds Temporal's port", async () => {
    const squatter = createServer();
    await new Promise<void>((listening) => squatter.listen(ports.TEMPORAL_DEV_PORT, '127.0.0.1', listening));
    try {
      const finished = await collect(npmStart(), 120_000);
      expect(finished.code).toBe(1);
      expect(finished.stderr).toContain(`tenure: port ${ports.TEMPORAL_DEV_PORT} is taken by another program: stop it, or set TEMPORAL_DEV_PORT to a free port`);
      expect(processesUsing(resolve(tenure.dataDir))).toEqual([]);
    } finally {
      await new Promise((closed) => squatter.close(closed));
    }
  }, 200_000);
});
