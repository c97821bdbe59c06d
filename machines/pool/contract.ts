// What a pool move is started with and reports: the contract the pool-move workflow, its
// activities and the API share (R5, R25). A license never moves alone; its pool does.

/** One move per pool at a time: the workflow id is the pool's, so Temporal refuses a second. */
export const poolMoveWorkflowId = (poolId: string) => `pool-move:${poolId}`;

export interface PoolMoveInput {
  operationId: string;
  partnerId: string;
  poolId: string;
  accessGroupId: string;
  actor: string;
}

/** What the one database transaction did; a retry of it answers the same. */
export interface PoolMoved {
  fromAccessGroupId: string;
  toAccessGroupId: string;
  licenses: number;
}

/** Where telling the license workflows got to: the heartbeat a retried activity resumes from. */
export interface LicensesTold {
  /** The last license id told; licenses are told in id order. */
  afterId: string | null;
  told: number;
}

/** A batch of license workflows told of a move in one go: few round trips, a heartbeat between. */
export const LICENSES_PER_BATCH = 100;

/** R25: what moving a pool means beyond Tenure, said in the move's result. */
export const moveWarning = (fromAccessGroupId: string) =>
  `Installers built for access group ${fromAccessGroupId} and users whose access comes from it are affected: ` +
  'they no longer reach these licenses. Rebuild installers for the new group (R25).';

/** The audit action of a committed move. */
export const POOL_MOVED = 'pool.moved';

/** Failure type when the target group or the pool is gone by the time the move runs; the operation fails with it. */
export const MOVE_REFUSED = 'PoolMoveRefused';
