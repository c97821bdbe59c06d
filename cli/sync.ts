// `tenure sync <sourceId>`: asks for a sync (or joins the one running) and follows its
// operation with a progress bar until it ends, then prints what it changed.
import { SingleBar, Presets } from 'cli-progress';
import type { Request } from './api.js';

interface Operation {
  id: string;
  status: 'running' | 'succeeded' | 'failed';
  progress: { done: number; total: number | null };
  result: Record<string, unknown> | null;
  error: string | null;
}

const phases: Record<string, string> = {
  reading_companies: 'Reading companies',
  reading_licenses: 'Reading licenses',
  reading_subscriptions: 'Reading subscriptions',
  applying: 'Telling license workflows',
};

export async function runSync(request: Request, sourceId: string, options: { follow: boolean; progress: boolean; pollMs?: number }): Promise<Operation | { operationId: string }> {
  const { operationId } = await request<{ operationId: string }>('POST', `/v1/sources/${sourceId}/sync`);
  if (!options.follow) return { operationId };
  const bar = options.progress ? new SingleBar({ format: '{phase} |{bar}| {value}/{total}', hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(1, 0, { phase: 'Starting' });
  for (;;) {
    const operation = await request<Operation>('GET', `/v1/operations/${operationId}`);
    const phase = String(operation.result?.phase ?? '');
    // A read whose size the vendor does not tell grows its total as it goes.
    const total = operation.progress.total ?? Math.max(operation.progress.done, 1);
    bar?.setTotal(total);
    bar?.update(operation.progress.done, { phase: phases[phase] ?? 'Syncing' });
    if (operation.status !== 'running') {
      bar?.update(total);
      bar?.stop();
      return operation;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}
