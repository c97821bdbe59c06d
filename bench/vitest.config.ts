import { defineConfig } from 'vitest/config';
import { BenchSequencer } from './sequencer.js';

export default defineConfig({
  test: {
    include: [],
    benchmark: { include: ['bench/**/*.bench.ts'] },
    pool: 'forks',
    // One bench file at a time: each measures throughput and memory, which a neighbour would skew.
    fileParallelism: false,
    sequence: { sequencer: BenchSequencer },
    // measureMemory() forces a full GC of the main thread before each reading.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    globalSetup: ['bench/fresh-results.ts', 'test/support/global-setup.ts'],
    hookTimeout: 300_000,
    testTimeout: 300_000,
  },
});
