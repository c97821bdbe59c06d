// `npm start` as a user runs it: every part comes up, Ctrl-C leaves nothing behind,
// and a second start finds the same data.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/tenure.js';
import { ctrlC, groupIsGone, npmStartSetup, portIsFree } from './npm-start.js';

const tenure = await npmStartSetup();
const { api, bootstrapKey, ports, ready } = tenure;
const npmStart = tenure.start;

afterAll(() => rm(tenure.dataDir, { recursive: true, force: true }));

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
