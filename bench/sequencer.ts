// The bench files always run in the same order, so each meets the dev server in the same state
// run after run: vitest's default orders them by its cache of earlier durations, and P5 measured
// 1.5× raw on a fresh server but 2.5× after the sync bench had run, with the same code (issue 13).
// Throughput first, on a fresh server; the sync bench, which leaves 20,000 sleeping workflows
// behind, last.
import { basename } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const ORDER = ['throughput.bench.ts', 'pool-move.bench.ts', 'source-sync.bench.ts'];
const rank = (file: TestSpecification) => {
  const index = ORDER.indexOf(basename(file.moduleId));
  return index === -1 ? ORDER.length : index;
};

export class BenchSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId));
  }
}
