// Determinism guard: every kept history of a real run must replay on today's workflow
// code, so a change that would break running workflows fails CI instead of production.
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, inject, it } from 'vitest';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { historiesDir } from './support/histories.js';
import { testDataConverter } from './support/payload-keys.js';

describe('determinism guard', () => {
  it('replays every kept history of a real run without a determinism error', async () => {
    const files = (await readdir(historiesDir)).filter((file) => file.endsWith('.json')).sort();
    expect(files.length).toBeGreaterThanOrEqual(4);
    const histories = await Promise.all(
      files.map(async (file) => ({ workflowId: file.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(await readFile(`${historiesDir}${file}`, 'utf8'))) })),
    );
    const failures: string[] = [];
    const replayed: string[] = [];
    // Histories recorded since payload encryption hold ciphertext; older ones pass through decoding as they are.
    const workflowBundle = { code: await readFile(inject('workflowBundlePath'), 'utf8') };
    for await (const result of Worker.runReplayHistories({ workflowBundle, dataConverter: testDataConverter }, histories)) {
      replayed.push(result.workflowId);
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed.sort()).toEqual(histories.map((history) => history.workflowId).sort());
  });
});
