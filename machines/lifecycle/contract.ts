// The parts of the license and account workflows' messages that mean the same for both.
import type { SubjectType } from './notices.js';
import type { LifecyclePolicy } from './policy.js';

/** What every lifecycle subject is, whatever its kind: whose it is and what it protects. */
export interface SubjectFacts {
  id: string;
  partnerId: string;
  companyId: string;
  /** Kept current on rename (factsChanged), for the Temporal UI's summary and the CompanyName search attribute. */
  companyName: string;
  product: string;
  /** The policy named when the subject was made; it wins over every default. Null: resolved from company, product and partner at each cycle. */
  explicitPolicyId: string | null;
}

/** Every operation names who asked for it, for the audit log. */
export interface Operation {
  actor: string;
}

/** What every lifecycle workflow is started with: its facts and policy, then either how it starts or where the previous run left off. */
export interface LifecycleInput<Facts extends SubjectFacts, Start, Carried extends CarryOver<string, object>> {
  facts: Facts;
  policy: LifecyclePolicy;
  /** First run only. */
  start?: Start;
  carryOver?: Carried;
  /** Outbox keys of notices the previous run had not finished delivering: this run delivers them. */
  pendingNotices?: string[];
  /** The lifecycle code this run was started for (`LIFECYCLE_GENERATION`); absent in runs started before it was carried. */
  generation?: number;
}

/**
 * What the lifecycle workflows' code has changed into, carried in each run's input so a run
 * keeps the shape it started with on replay. A `patched()` check would do the same, but each
 * one writes a marker and a TemporalChangeVersion upsert, a visibility write, into every run.
 * Generation 1: notices delivered by the lifecycle itself without a patch marker, and search
 * attributes upserted only when their value changes (issue 13).
 * Generation 2: a caller's operation or a deadline is written by a scheduled activity, never by a
 * local one in the speculative task an Update arrived in, which the server may drop; and a deletion that
 * arrives as a run is about to continue as new ends the workflow in that run.
 */
export const LIFECYCLE_GENERATION = 2;

/** Where a run picks up after continueAsNew. */
export interface CarryOver<State, Context> {
  state: State;
  /** The machine's context without its policy: the next cycle runs on the policy's current version. */
  context: Omit<Context, 'policy'>;
  revision: number;
  /** The policy the previous run lived by; another one, or a newer version, is adopted and recorded at the new run's start. */
  policyId: string;
  policyVersion: number;
}

/** The next thing that happens by itself, named as a customer reads it (`license.grace_started`). */
export interface DeadlineView {
  event: string;
  at: string;
}

/** What the state Query and every Update answer. */
export interface LifecycleView<State> {
  id: string;
  state: State;
  cycle: number;
  revision: number;
  nextDeadline: DeadlineView | null;
  /** The notices of this cycle already due, by key (`expiring:P7D`, `grace_started`). */
  noticesThisCycle: string[];
}

/**
 * Facts of a subject that change outside its lifecycle: a company renamed, a pool moved to
 * another access group (R5, R25). The workflow keeps them for its summary and search attributes.
 */
export interface FactsChange {
  companyName?: string;
  /** A license's seats, changed upstream (DESIGN §5). */
  seats?: number;
  poolId?: string;
  accessGroupId?: string;
}

/** `license:<id>`, `account:<id>`: one workflow per subject, found by its id. */
export const lifecycleWorkflowId = (subject: SubjectType, id: string) => `${subject}:${id}`;
