// What a license's or account's workflow projects into its row, read back by the API: the
// machine's state and context on a policy version, and the next thing that happens by itself.
import type { Database } from '../../db/client.js';
import type { LifecyclePolicy } from '../../machines/lifecycle/policy.js';
import { policyVersion } from '../policy/resolve.js';

/** The projection columns the licenses and accounts tables share. */
export interface LifecycleProjection {
  state: string;
  lifecycle: unknown;
  policyId: string;
  policyVersion: number;
  nextDeadlineEvent: string | null;
  nextDeadlineAt: Date | null;
}

/** The machine's snapshot as the projection last wrote it, on the policy version the subject runs on. */
export async function projectedSnapshot<State extends string, Context extends { policy: LifecyclePolicy }, Snapshot>(
  db: Database,
  row: LifecycleProjection,
  restore: (state: State, context: Context) => Snapshot,
): Promise<Snapshot> {
  const policy = await policyVersion(db, row.policyId, row.policyVersion);
  // The projection stores the context without its policy, which is kept once per version.
  return restore(row.state as State, { ...(row.lifecycle as Omit<Context, 'policy'>), policy } as Context);
}

export function nextDeadlineOf(row: LifecycleProjection): { event: string; at: string } | null {
  return row.nextDeadlineEvent && row.nextDeadlineAt ? { event: row.nextDeadlineEvent, at: row.nextDeadlineAt.toISOString() } : null;
}
