// The parts of the license and account workflows' messages that mean the same for both.

/** Every operation names who asked for it, for the audit log. */
export interface Operation {
  actor: string;
}

/** Where a run picks up after continueAsNew. */
export interface CarryOver<State, Context> {
  state: State;
  /** The machine's context without its policy: the next cycle runs on the policy's current version. */
  context: Omit<Context, 'policy'>;
  revision: number;
  /** The policy version the previous run lived by; a newer one is adopted, and recorded, at the new run's start. */
  policyVersion: number;
}

/** What the state Query and every Update answer. */
export interface LifecycleView<State> {
  id: string;
  state: State;
  cycle: number;
  revision: number;
  nextDeadline: { event: string; at: string } | null;
  noticesThisCycle: string[];
}

/**
 * Facts of a subject that change outside its lifecycle: a company renamed, a pool moved to
 * another access group (R5, R25). The workflow keeps them for its summary and search attributes.
 */
export interface FactsChange {
  companyName?: string;
  poolId?: string;
  accessGroupId?: string;
}
