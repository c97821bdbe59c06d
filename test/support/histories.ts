// Keeps the histories of real runs for the determinism guard (test/replay.test.ts).
// `TENURE_RECORD_HISTORIES=1 npm test` rewrites them; a normal run only replays them.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

export const historiesDir = fileURLToPath(new URL('../histories/', import.meta.url));

/** Keeps the first run of the workflow: the one that went through the behaviour under test. */
export async function keepHistory(name: string, client: Client, workflowId: string): Promise<void> {
  if (process.env.TENURE_RECORD_HISTORIES !== '1') return;
  const { raw } = await client.workflow.getHandle(workflowId).describe();
  const firstRunId = raw.workflowExecutionInfo?.firstRunId ?? undefined;
  const history = await client.workflow.getHandle(workflowId, firstRunId).fetchHistory();
  await writeFile(`${historiesDir}${name}.json`, historyToJSON(history));
}
