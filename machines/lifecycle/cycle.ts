// What licenses and accounts both keep of the lifecycle cycle they are in: when it began,
// and when grace, suspension and deletion fall in it. All times are ms since the epoch.
import type { LifecyclePolicy } from './policy.js';

export interface CycleTimes {
  policy: LifecyclePolicy;
  /** Starts at 1; a renewal or a restore starts a new cycle, and every notice may go out again (R19). */
  cycle: number;
  cycleStartedAt: number;
  graceStartedAt: number | null;
  graceEndsAt: number | null;
  suspendedAt: number | null;
  /** When the subject will be deleted (R12, R17); once deleted, when it was. */
  deletesAt: number | null;
}

/** Notices every lifecycle sends as it moves through a cycle; licenses add `expiring`. */
export type CycleNoticeKind = 'grace_started' | 'grace_halfway' | 'suspended' | 'deletion_warning' | 'deleted' | 'restored';
