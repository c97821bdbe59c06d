// `pool-move:<poolId>`: moves a whole pool to another access group (R5). The pool and all its
// licenses change in one transaction; then every license workflow hears of it, so its search
// attributes follow; the result warns what the move means for the old group (R25).
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { PoolActivities } from '../../activities/pool/move.js';
import { moveWarning, MOVE_REFUSED, type PoolMoveInput } from '../../machines/pool/contract.js';
import { factsChanged } from '../lifecycle/messages.js';
import { RECORDING_ACTIVITY_OPTIONS } from '../lifecycle/transition.js';

const { movePool, finishOperation } = proxyActivities<PoolActivities>({
  ...RECORDING_ACTIVITY_OPTIONS,
  retry: { ...RECORDING_ACTIVITY_OPTIONS.retry, nonRetryableErrorTypes: [MOVE_REFUSED] },
});

// A worker that dies mid-batch is noticed within the heartbeat timeout; the retry resumes after the last batch reported.
const { tellLicensesOfMove } = proxyActivities<PoolActivities>({
  startToCloseTimeout: '1h',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

export async function poolMove(input: PoolMoveInput): Promise<void> {
  try {
    const moved = await movePool(input);
    const told = await tellLicensesOfMove({ operationId: input.operationId, poolId: input.poolId, accessGroupId: moved.toAccessGroupId, signalName: factsChanged.name });
    await finishOperation({
      operationId: input.operationId,
      status: 'succeeded',
      result: { ...moved, licensesTold: told.told, warning: moveWarning(moved.fromAccessGroupId) },
    });
  } catch (error) {
    // Only a refusal ends here: other failures are retried by their activity until they succeed.
    if (!(error instanceof Error)) throw error;
    const reason = error.cause instanceof ApplicationFailure ? error.cause.message : error.message;
    await finishOperation({ operationId: input.operationId, status: 'failed', error: reason });
    throw ApplicationFailure.nonRetryable(reason, MOVE_REFUSED);
  }
}
