import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { BenchSequencer } from './sequencer.js';

/**
 * The Node flags `npm start` runs Tenure with, read from its script so the bench measures what a
 * user runs: a young generation of 32 MiB semi-spaces instead of V8's 16, where the worker's
 * protobufs, payloads and query results die young. Measured with batches of 1,000 (issue 13): the
 * main thread's garbage collection 0.42 → 0.26 ms an issue (0.22 at 64 MiB, for twice the memory).
 */
const startFlags: string[] = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts.start.match(/--[\w-]+=\S+/g) ?? [];

export default defineConfig({
  test: {
    include: [],
    benchmark: { include: ['bench/**/*.bench.ts'] },
    pool: 'forks',
    // One bench file at a time: each measures throughput and memory, which a neighbour would skew.
    fileParallelism: false,
    sequence: { sequencer: BenchSequencer },
    // measureMemory() forces a full GC of the main thread before each reading.
    poolOptions: { forks: { execArgv: ['--expose-gc', ...startFlags] } },
    globalSetup: ['bench/fresh-results.ts', 'test/support/global-setup.ts'],
    hookTimeout: 300_000,
    testTimeout: 300_000,
  },
});
