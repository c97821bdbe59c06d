// `npm start` as a user runs it: every part comes up, Ctrl-C leaves nothing behind,
// and a second start finds the same data.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports.js';
import { eventually } from '../support/tenure.js';
import { cleanEnv, collect } from './process.js';

const dataDir = await mkdtemp(join(tmpdir(), 'tenure-start-'));
const bootstrapKey = `tk_start_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
const ports = {
  PORT: await freePort(),
  TEMPORAL_DEV_PORT: await freePort(),
  TEMPORAL_UI_PORT: await freePort(),
  EMBEDDED_POSTGRES_PORT: await freePort(),
  MAIL_CATCHER_PORT: await freePort(),
};
const api = `http://127.0.0.1:${ports.PORT}`;

afterAll(() => rm(dataDir, { recursive: true, force: true }));

function npmStart(): ChildProcess {
  return spawn('npm', ['start'], {
    // Its own process group, so SIGINT reaches every process in it, as Ctrl-C in a terminal does.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...cleanEnv(),
      ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
      TENURE_DATA_DIR: dataDir,
      TENURE_BOOTSTRAP_KEY: bootstrapKey,
      LOG_LEVEL: 'info',
    },
  });
}

async function ready() {
  return eventually(
    () => fetch(`${api}/readyz`).then((response) => response.json() as Promise<{ status: string; components: Record<string, { ok: boolean }> }>).catch(() => undefined),
    (answer) => answer?.status === 'ready',
    { timeoutMs: 150_000, intervalMs: 500 },
  );
}

async function ctrlC(child: ChildProcess) {
  const finished = collect(child, 60_000);
  process.kill(-child.pid!, 'SIGINT');
  return finished;
}

const portIsFree = (port: number) =>
  new Promise<boolean>((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(true)));
  });

const groupIsGone = (pid: number) => {
  try {
    process.kill(-pid, 0);
    return false;
  } catch {
    return true;
  }
};

describe('npm start', () => {
  it('brings every part up, stops cleanly on Ctrl-C, and keeps the data for the next start', async () => {
    const first = npmStart();
    let output = '';
    first.stdout!.on('data', (chunk) => (output += chunk));
    const readiness = await ready();
    expect(readiness?.components).toEqual({ temporal: { ok: true }, database: { ok: true }, migrations: { ok: true }, worker: { ok: true } });
    expect(output).toContain(`http://localhost:${ports.PORT}/v1`);
    expect(output).toContain(`http://localhost:${ports.PORT}/docs`);
    expect(output).toContain(`http://localhost:${ports.TEMPORAL_UI_PORT}`);

    const created = await fetch(`${api}/v1/companies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bootstrapKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Kept Across Restarts Ltd' }),
    });
    expect(created.status).toBe(201);

    // npm itself ends by the signal, as in a terminal; what counts is that nothing is left behind.
    const stopped = await ctrlC(first);
    expect(stopped.code === 0 || stopped.signal === 'SIGINT', `exit ${stopped.code} ${stopped.signal}`).toBe(true);
    await eventually(async () => groupIsGone(first.pid!), Boolean, { timeoutMs: 15_000 });
    for (const [name, port] of Object.entries(ports)) expect(await portIsFree(port), `${name} ${port} still taken`).toBe(true);

    const second = npmStart();
    await ready();
    const companies = await fetch(`${api}/v1/companies`, { headers: { authorization: `Bearer ${bootstrapKey}` } }).then((response) => response.json());
    expect(companies.data.map((company: { name: string }) => company.name)).toContain('Kept Across Restarts Ltd');
    const stoppedAgain = await ctrlC(second);
    expect(stoppedAgain.code === 0 || stoppedAgain.signal === 'SIGINT').toBe(true);
    await eventually(async () => groupIsGone(second.pid!), Boolean, { timeoutMs: 15_000 });
    for (const port of Object.values(ports)) expect(await portIsFree(port)).toBe(true);
  }, 400_000);
});
