// Every figure of `npm run bench` goes through here: printed the moment it is measured (a long
// run shows progress, and a figure survives a later failure) and merged into bench/results.json,
// which bench/fresh-results.ts starts anew for each run. Bench files run one at a time.
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

export const RESULTS_PATH = fileURLToPath(new URL('./results.json', import.meta.url));

/** One run of the bench body, no warm-up, and an error fails the run instead of being kept quiet. */
export const ONCE = { iterations: 1, warmupIterations: 0, warmupTime: 0, time: 0, throws: true };
export const times = (iterations: number) => ({ ...ONCE, iterations });

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

export interface Figure {
  figure: string;
  tenure: number;
  /** The raw-Temporal baseline measured in the same run, when the figure has one. */
  raw?: number;
  unit: string;
  [extra: string]: unknown;
}

export async function record(id: string, { figure, tenure, raw, unit, ...extra }: Figure): Promise<void> {
  const ratio = raw === undefined ? undefined : round(tenure / raw);
  const results = JSON.parse(await readFile(RESULTS_PATH, 'utf8')) as Record<string, unknown>;
  results[id] = { figure, tenure, raw, unit, ratio, ...extra };
  const machine = results.machine as { startedAt: string };
  // Until the last figure: how long the whole run took, which issue 13 bounds at 20 minutes.
  const minutesElapsed = round((Date.now() - Date.parse(machine.startedAt)) / 60_000, 1);
  results.machine = { ...machine, loadAverageAtEnd: loadavg().map((load) => round(load)), minutesElapsed };
  await writeFile(RESULTS_PATH, `${JSON.stringify(results, null, 2)}\n`);
  const baseline = raw === undefined ? '' : `, raw ${raw} ${unit}, ${ratio}×`;
  const details = Object.keys(extra).length ? ` ${JSON.stringify(extra)}` : '';
  console.log(`${id} ${figure}: Tenure ${tenure} ${unit}${baseline}${details}`);
}
