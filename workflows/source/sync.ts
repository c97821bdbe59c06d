// `sync:<sourceId>` (DESIGN §5, R21–R23): read the upstream page by page into staging rows,
// reconcile them with what the source read before in one transaction, then tell only the
// license workflows whose facts changed. Any failure before the transaction leaves the previous
// data whole; anything left to tell after it is told by the next sync.
import type { Duration } from '@temporalio/common';
import { ActivityFailure, ApplicationFailure, condition, proxyActivities, setCurrentDetails, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import type { SourceActivities } from '../../activities/source/index.js';
import type { SourceUnavailableReason, StageProgress, StageRequest, SyncCounts, SyncInput } from '../../machines/source/sync.js';
import { SYNC_REFUSED } from '../../machines/source/sync.js';
import { upstreamFailureTypes } from '../../machines/source/upstream.js';
import { RECORDING_ACTIVITY_OPTIONS } from '../lifecycle/transition.js';
import { licensesChanged } from '../account/messages.js';
import { factsChanged } from '../lifecycle/messages.js';
import { licenseRecorded, renewedUpstream } from '../license/messages.js';
import { AccessGroupId, CompanyId, CompanyName, LicenseExpiresAt, LicenseState, PartnerId, PoolId, Product, SourceId } from '../search-attributes.js';
import { syncOperation } from './messages.js';

const refusals = [SYNC_REFUSED, upstreamFailureTypes.noCompanies];

const { openSync, syncPhase, finishSync } = proxyActivities<SourceActivities>({
  ...RECORDING_ACTIVITY_OPTIONS,
  retry: { ...RECORDING_ACTIVITY_OPTIONS.retry, nonRetryableErrorTypes: refusals },
});

/**
 * How the sync's activities are bounded. Tests shorten the heartbeat timeout so that an upstream
 * outlasting it (a long Retry-After) costs seconds, not half a minute.
 */
export interface SyncOptions {
  /**
   * How long the staging activity may go without a heartbeat before Temporal takes its worker for
   * dead and retries the read from its last reported cursor. The activity heartbeats on a steady
   * interval however long one upstream call takes, so this bounds only a dead worker.
   */
  stagingHeartbeatTimeout: Duration;
}

const defaultOptions: SyncOptions = { stagingHeartbeatTimeout: '30s' };

/**
 * An upstream in maintenance (503, auth errors that are maintenance in disguise, 429) is retried
 * with backoff for about half an hour; meanwhile the source shows `upstream_unavailable` (R23).
 */
const stagingActivities = (options: SyncOptions) =>
  proxyActivities<SourceActivities>({
    startToCloseTimeout: '5m',
    heartbeatTimeout: options.stagingHeartbeatTimeout,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 12, nonRetryableErrorTypes: refusals },
  });

const { reconcileSync } = proxyActivities<SourceActivities>({
  startToCloseTimeout: '10m',
  retry: { initialInterval: '1s', maximumInterval: '1m', nonRetryableErrorTypes: refusals },
});

const { tellLicenseWorkflows } = proxyActivities<SourceActivities>({
  startToCloseTimeout: '2h',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
});

const reads: StageRequest['read'][] = ['companies', 'licenses', 'subscriptions'];

export async function syncSource(input: SyncInput, options: SyncOptions = defaultOptions): Promise<SyncCounts> {
  const { sourceId } = input;
  const { stageUpstream } = stagingActivities(options);
  const operationId = uuid4();
  let opened = false;
  let finishing = false;
  setHandler(
    syncOperation,
    async () => {
      await condition(() => opened);
      return { operationId };
    },
    {
      // Once its result is being written this sync can no longer stand for a new request: the
      // caller waits for it to close and starts the next one (R21: a sync asked for reads anew).
      validator: () => {
        if (finishing) throw new Error('this sync has finished; a new one starts once it closes');
      },
    },
  );
  const { sourceName } = await openSync({ operationId, sourceId, workflowId: workflowInfo().workflowId, trigger: input.trigger, actor: input.actor });
  opened = true;
  const show = (standing: string) => setCurrentDetails([`**Sync of ${sourceName}**`, `Operation ${operationId} (${input.trigger})`, standing].join('\n\n'));

  try {
    for (const read of reads) {
      await syncPhase({ operationId, phase: `reading_${read}` });
      let progress: StageProgress | undefined;
      do {
        show(`Reading ${read}…${progress ? ` ${progress.companiesRead} companies, ${progress.licensesRead} licenses so far` : ''}`);
        progress = await stageUpstream({ operationId, sourceId, read, resumeFrom: progress?.resumeFrom ?? null });
      } while (progress.resumeFrom !== null);
    }
    show('Reconciling in one transaction…');
    const reconciled = await reconcileSync({ operationId, sourceId });
    show(`Telling ${reconciled.licensesToTell} license workflows…`);
    const told = reconciled.licensesToTell === 0 ? { rowsWritten: 0 } : await tellLicenseWorkflows({ operationId, sourceId, taskQueue: workflowInfo().taskQueue, names: licenseWorkflowNames });
    const counts: SyncCounts = { ...reconciled.counts, rowsWritten: reconciled.counts.rowsWritten + told.rowsWritten };
    finishing = true;
    await finishSync({ operationId, sourceId, outcome: { status: 'succeeded', counts } });
    show(`Done: ${counts.licensesCreated} licenses created, ${counts.licensesUpdated} updated, ${counts.licensesRemoved} removed, ${counts.licensesUnchanged} unchanged; ${counts.rowsWritten} rows written.`);
    return counts;
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const cause = error.cause instanceof ApplicationFailure ? error.cause : undefined;
    const message = cause?.message ?? error.message;
    finishing = true;
    await finishSync({ operationId, sourceId, outcome: { status: 'failed', error: message, reason: reasonOf(cause?.type) } });
    show(`Failed: ${message}. The data of the previous sync is whole (R23).`);
    throw ApplicationFailure.nonRetryable(message, cause?.type ?? SYNC_REFUSED);
  }
}

/** The staging activity already showed an unavailable upstream's precise reason; these are the failures only the workflow sees. */
function reasonOf(type: string | null | undefined): SourceUnavailableReason | null {
  if (type === upstreamFailureTypes.noCompanies) return 'no_companies';
  if (type === upstreamFailureTypes.authFailed) return 'auth_failed';
  return null;
}

const licenseWorkflowNames = {
  workflowType: 'licenseLifecycle',
  recordedUpdate: licenseRecorded.name,
  renewedUpstreamUpdate: renewedUpstream.name,
  factsChangedSignal: factsChanged.name,
  licensesChangedSignal: licensesChanged.name,
  searchAttributes: {
    partnerId: PartnerId,
    companyId: CompanyId,
    companyName: CompanyName,
    product: Product,
    state: LicenseState,
    poolId: PoolId,
    accessGroupId: AccessGroupId,
    sourceId: SourceId,
    expiresAt: LicenseExpiresAt,
  },
};
