// Global set-up of `npm run bench`: a fresh bench/results.json naming the machine it runs on.
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { RESULTS_PATH, round } from './results.js';

export default async function freshResults(): Promise<void> {
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryMiB: Math.round(totalmem() / 1024 / 1024),
    node: process.version,
    large: process.env.TENURE_BENCH_LARGE === '1',
    loadAverageAtStart: loadavg().map((load) => round(load)),
    startedAt: new Date().toISOString(),
  };
  await writeFile(RESULTS_PATH, `${JSON.stringify({ machine }, null, 2)}\n`);
}
