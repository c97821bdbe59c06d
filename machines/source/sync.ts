// What a sync (`sync:<sourceId>`) is started with, reports and counts: the contract its
// workflow, its activities and the API share (DESIGN §5, R21–R23). Pure data.
import type { UnavailableReason, UpstreamGap } from './upstream.js';

/** One sync per source at a time: the workflow id is the source's, so Temporal refuses a second. */
export const syncWorkflowId = (sourceId: string) => `sync:${sourceId}`;

/** The daily Temporal Schedule of a source (R21), visible in the Temporal UI's Schedules. */
export const syncScheduleId = (sourceId: string) => `sync-schedule:${sourceId}`;

/** Workflow type names, for the clients that start them by name (the API, the Schedule). */
export const SYNC_WORKFLOW_TYPE = 'syncSource';
export const SCHEDULE_WORKFLOW_TYPE = 'scheduledSync';
export const VERIFY_WORKFLOW_TYPE = 'verifySource';

/** The check a new source passes before it is saved (R4). */
export const verifySourceWorkflowId = (sourceId: string) => `source-verify:${sourceId}`;

/** Who a sync acts as in audit entries and license workflows: the source, not a caller (R13 does not apply). */
export const sourceActor = (sourceId: string) => `source:${sourceId}`;

export type SyncTrigger = 'schedule' | 'manual';

/** Only ids and names travel: credentials are loaded and decrypted by the activity that uses them. */
export interface SyncInput {
  sourceId: string;
  trigger: SyncTrigger;
  /** Who asked: an API key, or the schedule. */
  actor: string;
}

/** What the source shows of its upstream (`GET /v1/sources/:id`). */
export type SourceStatus = 'never_synced' | 'ok' | 'upstream_unavailable';

/** What `upstream_unavailable` says beside its reason: auth errors included, since maintenance can look like one (seed 000). */
export type SourceUnavailableReason = UnavailableReason | 'auth_failed' | 'no_companies';

/** What a sync read, staged and reconciled; the counts of `GET /v1/sources/:id/syncs`. */
export interface SyncCounts {
  companiesCreated: number;
  licensesCreated: number;
  licensesUpdated: number;
  licensesRemoved: number;
  licensesUnchanged: number;
  /** Rows of the record this sync wrote (companies, pools, licenses, the source's view of its upstream): 0 when nothing changed. */
  rowsWritten: number;
  /** Companies whose licenses the upstream would not give this time; their licenses stand as read before (R23). */
  companiesUnread: number;
  /** Which, and why: the first UNREAD_COMPANIES_SHOWN of them, so a partner with thousands stays a small result. */
  unreadCompanies: UnreadCompany[];
}

export const UNREAD_COMPANIES_SHOWN = 50;

/** A company whose licenses a sync could not read, as the sync reports it. */
export interface UnreadCompany {
  upstreamId: string;
  /** The company in Tenure; null for one the upstream never let the source read before. */
  companyId: string | null;
  name: string | null;
  reason: UpstreamGap['reason'];
  detail: string;
}

export const noCounts = (): SyncCounts => ({
  companiesCreated: 0,
  licensesCreated: 0,
  licensesUpdated: 0,
  licensesRemoved: 0,
  licensesUnchanged: 0,
  rowsWritten: 0,
  companiesUnread: 0,
  unreadCompanies: [],
});

/** The phases a sync goes through, in order, as `GET /v1/operations/:id` and the workflow's details show them. */
export type SyncPhase = 'reading_companies' | 'reading_licenses' | 'reading_subscriptions' | 'reconciling' | 'applying' | 'done';

/** What an upstream read is staged as; each kind is read on its own, resumable from its cursor. */
export type StagedKind = 'company' | 'license' | 'gap' | 'subscription';

/** One call of a staging activity: read pages from `resumeFrom` for at most a budget of time. */
export interface StageRequest {
  operationId: string;
  sourceId: string;
  read: 'companies' | 'licenses' | 'subscriptions';
  resumeFrom: string | null;
}

export interface StageProgress {
  /** Null once the read is complete. */
  resumeFrom: string | null;
  companiesRead: number;
  companiesTotal: number | null;
  licensesRead: number;
  itemsStaged: number;
}

/** What reconciling the staged read decided: the counts, and how many license workflows still need telling. */
export interface Reconciled {
  counts: SyncCounts;
  licensesToTell: number;
}

/** Where telling license workflows got to: the heartbeat a retried activity resumes from. */
export interface LicensesTold {
  told: number;
  rowsWritten: number;
}

/** License workflows told per page of pending rows, many in flight at once (issue 13), a heartbeat after each page. */
export const LICENSES_PER_BATCH = 1_000;

/**
 * Facts the license workflow cannot hold yet, in the shape it holds today: a license sold
 * without a seat limit, or without an end. The license lifecycle needs an expiry to schedule
 * from; a perpetual license's lies beyond any real horizon.
 */
export const UNLIMITED_SEATS = 2_147_483_647;
export const PERPETUAL_EXPIRES_AT = Date.UTC(9999, 11, 31);

/** The audit actions of a sync, in the dialect of the lifecycles' (`license.renewed`). */
export const syncActions = {
  removedUpstream: 'license.removed_upstream',
  resizedUpstream: 'license.resized_upstream',
  companyJoined: 'company.joined_from_source',
} as const;

/** Failure type of a sync no retry can fix (the source was deleted, it reads no company: R4). */
export const SYNC_REFUSED = 'SyncRefused';
