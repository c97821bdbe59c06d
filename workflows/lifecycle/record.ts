// What a lifecycle workflow keeps and how it changes, for license and account alike: the
// machine's snapshot, applied one event at a time in arrival order, each change written to
// the database (projection, audit, outbox) before it counts, its notices and webhook events
// sent once written, and the whole mirrored in the Temporal UI. Subclasses add what is
// theirs: the activity that writes them, their search attributes and card, their view.
import type { QueryDefinition, SearchAttributeUpdatePair, UpdateDefinition } from '@temporalio/common';
import { allHandlersFinished, ApplicationFailure, condition, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { LicenseActivities } from '../../activities/license/record.js';
import { LIFECYCLE_GENERATION, type CarryOver, type DeadlineView, type FactsChange, type LifecycleInput, type LifecycleView, type SubjectFacts } from '../../machines/lifecycle/contract.js';
import { eventName, transitionName } from '../../machines/lifecycle/event-names.js';
import { ILLEGAL_OPERATION, INVALID_OPERATION, INVALID_RECORD } from '../../machines/lifecycle/failures.js';
import type { Lifecycle, LifecycleTypes, Step } from '../../machines/lifecycle/lifecycle.js';
import { noticeFacts } from '../../machines/lifecycle/notice-facts.js';
import { outboxKey, type Notice } from '../../machines/lifecycle/notices.js';
import type { LifecyclePolicy } from '../../machines/lifecycle/policy.js';
import { CompanyName } from '../search-attributes.js';
import { workflowTime } from './clock.js';
import { mirrorChangesInUi, mirrorInUi, showCard, type Card } from './details.js';
import { factsChanged } from './messages.js';
import { NoticeDeliveries } from './notices.js';
import { Serial } from './serial.js';
import { lifecycleSink } from './sinks.js';
import { RECORDING_LOCAL_ACTIVITY_OPTIONS, startDeliveries, SYSTEM_ACTOR } from './transition.js';
import type { NoticeDue, RecordedTransition, TransitionRecord } from '../../activities/lifecycle/transitions.js';

const { loadPolicy } = proxyLocalActivities<LicenseActivities>(RECORDING_LOCAL_ACTIVITY_OPTIONS);

/**
 * Builds an operation's event, turning any error its inputs cause (a renewal beyond every
 * horizon) into a refusal the caller reads: a handler that threw anything else would fail the
 * workflow task and wedge the subject until a deploy (issue 14).
 */
function total<Event>(build: () => Event): Event {
  try {
    return build();
  } catch (error) {
    throw ApplicationFailure.create({ type: INVALID_OPERATION, message: error instanceof Error ? error.message : String(error), nonRetryable: true });
  }
}

/** A change to write: what the audit log calls it, who caused it, the state before, the notices it makes due. */
export interface Entry {
  action: string;
  actor: string;
  before?: Record<string, unknown>;
  notices: Notice[];
}

/**
 * Where a change is written: `in-task` by a local activity, in the workflow task that decided it
 * (the first state, a license group's news: tasks the server never drops unseen); `scheduled` by
 * an activity the task schedules (a caller's operation, a deadline: see `changeRecording`).
 */
export type Recording = 'in-task' | 'scheduled';

/** The common part of what each subject's recording activity receives. */
export interface Written<Snapshot> extends TransitionRecord {
  snapshot: Snapshot;
}

export abstract class LifecycleRecord<
  T extends LifecycleTypes,
  Facts extends SubjectFacts,
  Carried extends CarryOver<T['state'], object>,
  View extends LifecycleView<T['state']>,
> {
  protected readonly serial = new Serial();
  private readonly notices = new NoticeDeliveries(() => showCard(this.cardWithNotices()));
  protected currentFacts: Facts;
  snapshot: T['snapshot'];
  revision: number;
  /** True once the first state (or a newer policy's adoption) is written. */
  opened = false;
  private readonly firstCycle: number;
  private readonly opening: Entry | undefined;
  /** The lifecycle code this run was started for: it keeps that shape on replay. */
  private readonly generation: number;

  protected constructor(
    protected readonly rules: Lifecycle<T>,
    protected readonly input: LifecycleInput<Facts, unknown, Carried>,
    /** The first snapshot and who caused it; unused when the run continues a previous one. */
    first: () => { step: Step<T['snapshot']>; action: string; actor: string },
  ) {
    this.currentFacts = input.facts;
    this.generation = input.generation ?? 0;
    if (input.carryOver) {
      const { state, context, revision, policyId, policyVersion } = input.carryOver;
      this.snapshot = rules.restore(state, { ...context, policy: input.policy });
      this.revision = revision;
      this.opening =
        policyId === input.policy.id && policyVersion === input.policy.version
          ? undefined
          : { action: `${rules.subject}.policy_adopted`, actor: SYSTEM_ACTOR, notices: [], before: { policyId, policyVersion } };
    } else {
      if (!input.start) throw ApplicationFailure.nonRetryable(`a new ${rules.subject} needs its start terms`, INVALID_RECORD);
      const { step, action, actor } = first();
      this.snapshot = step.snapshot;
      this.revision = 0;
      this.opening = { action, actor, notices: step.notices };
    }
    this.firstCycle = this.cycle;
  }

  get facts(): Facts {
    return this.currentFacts;
  }
  get state(): T['state'] {
    return this.rules.stateOf(this.snapshot);
  }
  get cycle(): number {
    return this.snapshot.context.cycle;
  }
  get isDeleted(): boolean {
    return this.snapshot.status === 'done';
  }
  get policy(): LifecyclePolicy {
    return this.input.policy;
  }
  /** Whose policy the next cycle runs on: re-resolved, so a company's or product's new policy is taken up (DESIGN §3). */
  get policySubject() {
    const { partnerId, companyId, product, explicitPolicyId } = this.facts;
    return { partnerId, companyId, product, explicitPolicyId };
  }

  /** A renewal or restore opened a new cycle, or the history grew long: time to continue as new. */
  get cycleEnded(): boolean {
    return this.cycle !== this.firstCycle;
  }

  /** What every lifecycle workflow answers besides its operations: its state, its first write, renames and moves. */
  answerReads(state: QueryDefinition<View>, recorded: UpdateDefinition<View>): void {
    setHandler(state, () => this.view());
    setHandler(recorded, async () => {
      await condition(() => this.opened);
      return this.view();
    });
    setHandler(factsChanged, (change) => this.changeFacts(change));
  }

  /** This run goes on while the subject lives in the cycle it started with, and its history is short. */
  get livesThisRun(): boolean {
    return !this.isDeleted && !this.cycleEnded && !workflowInfo().continueAsNewSuggested;
  }

  /**
   * Ends the run once every operation in flight has answered: for good once deleted, otherwise
   * by continuing as new on the policy re-resolved for the next cycle.
   */
  async endRun(continueWith: (next: LifecycleInput<Facts, never, Carried>) => Promise<never>): Promise<void> {
    if (!this.isDeleted) {
      const policy = await loadPolicy(this.policySubject);
      await this.notices.letInFlightFinish();
      await condition(allHandlersFinished);
      // A deletion that arrived meanwhile ends the workflow here, not in a run started only to end
      // (as runs before generation 2 did, kept for their replay).
      if (!this.isDeleted || this.generation < 2) return continueWith(this.nextRun(policy));
    }
    // A deleted subject's last notices (its deletion) go out before its workflow closes.
    await condition(() => allHandlersFinished() && this.notices.settled);
  }

  /** Writes the first state of a new subject, or the newer policy version a continued run adopted. */
  async recordOpening(): Promise<void> {
    const opening = this.opening;
    // In the task: a run's first task is never speculative, and an issue answers from it (P3).
    if (opening) await this.serial.run(() => this.persist(this.snapshot, opening, 'in-task'));
    await this.afterOpening();
    this.opened = true;
    this.showInUi();
    if (!this.input.carryOver) lifecycleSink.opened(this.view());
    this.notices.deliver(this.input.pendingNotices ?? []);
  }

  /** An operation from a caller: applied in arrival order, written before the Update answers. */
  operate(actor: string, eventAt: (now: number) => T['event']): Promise<View> {
    return this.serial.run(async () => {
      const event = total(() => eventAt(workflowTime()));
      const step = this.rules.apply(this.snapshot, event);
      // Validated on arrival, but an earlier operation or deadline may have changed the state since.
      if (!step.changed) throw this.refusal(event.type);
      await this.commit(step, event.type, actor, this.changeRecording);
      return this.view();
    });
  }

  /**
   * How a caller's operation or a deadline is written: by an activity the workflow schedules, not
   * a local one. An Update arrives in a speculative workflow task, which the server may drop
   * without a trace and deliver its Updates again, perhaps in another order; what a local activity
   * had written in it would stay in the database, transitions the history never had (a renewal,
   * and its e-mail, where the deletion that won the race belongs). A scheduled activity runs only
   * once the task that scheduled it is kept, with its input fixed in the history, so a retry after
   * a crash writes what the workflow decided, not the same change at a later clock. With eager
   * activities the server hands it back with the task's answer: a mass expiry's notices went out
   * no later than from a local activity (issue 13). Runs before generation 2 wrote in the task,
   * and keep doing so on replay.
   */
  protected get changeRecording(): Recording {
    return this.generation >= 2 ? 'scheduled' : 'in-task';
  }

  /** Update validators run synchronously and reject before anything is written to history. */
  assertLegal(eventAt: (now: number) => T['event']): void {
    const event = total(() => eventAt(workflowTime()));
    if (!this.rules.canApply(this.snapshot, event)) throw this.refusal(event.type);
  }

  /**
   * Sleeps until the next deadline, news from outside (subclasses), or an operation; then lets
   * the machine decide whether the deadline still applies, and writes what it decided.
   */
  async awaitNextEvent(): Promise<void> {
    const seen = this.revision;
    const woken = () => this.revision !== seen || this.hasNews();
    const deadline = this.rules.nextDeadline(this.snapshot);
    if (!deadline) await condition(woken);
    else if (deadline.at > workflowTime()) await condition(woken, deadline.at - workflowTime());

    if (this.hasNews()) return this.serial.run(() => this.takeNews());
    if (this.revision !== seen || !deadline) return;
    await this.serial.run(async () => {
      // An operation may have landed while the timer fired; the machine's deadline guards decide.
      const event = { ...deadline.event, at: workflowTime() } as T['event'];
      const step = this.rules.apply(this.snapshot, event);
      if (step.changed) await this.commit(step, event.type, SYSTEM_ACTOR, this.changeRecording);
    });
  }

  /** A company rename or a pool move: kept for the UI and carried into the next run. */
  changeFacts(change: FactsChange): void {
    const known = Object.entries(change).filter(([key, value]) => value !== undefined && key in this.currentFacts);
    this.currentFacts = { ...this.currentFacts, ...Object.fromEntries(known) };
    this.showInUi();
  }

  /** What the next run starts from, on the policy's current version. */
  nextRun(policy: LifecyclePolicy): LifecycleInput<Facts, never, Carried> {
    const { policy: _policyOfThisCycle, ...context } = this.snapshot.context;
    const carryOver = { state: this.state, context, revision: this.revision, policyId: this.policy.id, policyVersion: this.policy.version } as Carried;
    const pendingNotices = this.notices.pending;
    return { facts: this.facts, policy, carryOver, ...(pendingNotices.length ? { pendingNotices } : {}), generation: LIFECYCLE_GENERATION };
  }

  abstract view(): View;

  protected lifecycleView(): LifecycleView<T['state']> {
    return {
      id: this.facts.id,
      state: this.state,
      cycle: this.cycle,
      revision: this.revision,
      nextDeadline: this.deadlineView(this.snapshot),
      noticesThisCycle: this.snapshot.context.noticesSent,
    };
  }

  /** Writes one applied step, named for the audit log by the events' customer-facing names. */
  protected commit(step: Step<T['snapshot']>, eventType: string, actor: string, recording: Recording): Promise<void> {
    const action = transitionName(this.rules.subject, eventType, this.state, this.rules.stateOf(step.snapshot));
    return this.persist(step.snapshot, { action, actor, before: { state: this.state, cycle: this.cycle, ...this.auditFacts(this.snapshot) }, notices: step.notices }, recording);
  }

  /** The database first, then memory: if the write never succeeds, the workflow has not moved either. */
  protected async persist(next: T['snapshot'], entry: Entry, recording: Recording): Promise<void> {
    const revision = this.revision + 1;
    const now = workflowTime();
    const state = this.rules.stateOf(next);
    const { cycle } = next.context;
    const notices: NoticeDue[] = entry.notices.map((notice) => ({
      key: outboxKey(this.rules.subject, this.facts.id, cycle, notice),
      kind: notice.kind,
      offset: notice.offset ?? null,
      cycle,
      dueAt: now,
      facts: noticeFacts(next.context, notice, this.coveredUntil(next)),
    }));
    const deadline = this.rules.nextDeadline(next);
    const { webhookDeliveryIds, noticesSettled = [] } = await this.write({
      snapshot: next,
      policyId: this.policy.id,
      policyVersion: this.policy.version,
      revision,
      nextDeadline: deadline ? { event: eventName(this.rules.subject, deadline.event.type), at: deadline.at } : null,
      audit: { action: entry.action, actor: entry.actor, at: now, before: entry.before, after: { state, cycle, policyId: this.policy.id, policyVersion: this.policy.version, ...this.auditFacts(next) } },
      notices,
      // A deadline's notices go out with its write, by the activity that records it, instead of in
      // an activity of their own; a caller's Update does not wait on the mail server (issue 13).
      sendNoticesNow: notices.length > 0 && this.generation >= 1 && entry.actor === SYSTEM_ACTOR,
    }, recording);
    this.snapshot = next;
    this.revision = revision;
    this.showInUi();
    const noticeKeys = notices.map((notice) => notice.key);
    const deliveredHere = noticeKeys.length > 0 && (this.generation >= 1 || NoticeDeliveries.deliveredInLifecycle());
    if (deliveredHere) this.notices.deliver(noticeKeys.filter((key) => !noticesSettled.includes(key)));
    const toStart = { action: entry.action, noticeKeys: deliveredHere ? [] : noticeKeys, webhookDeliveryIds };
    // Most transitions start nothing: not calling spares the workflow the promises of an empty call (issue 13).
    if (toStart.noticeKeys.length > 0 || toStart.webhookDeliveryIds.length > 0) await startDeliveries(this.facts, toStart);
  }

  protected showInUi(): void {
    const mirror = this.generation >= 1 ? mirrorChangesInUi : mirrorInUi;
    mirror([{ key: CompanyName, value: this.facts.companyName }, ...this.searchAttributes()], this.cardWithNotices());
  }

  private cardWithNotices(): Card {
    return { ...this.card(), sending: this.notices.pending };
  }

  protected deadlineView(snapshot: T['snapshot']): DeadlineView | null {
    const deadline = this.rules.nextDeadline(snapshot);
    return deadline ? { event: eventName(this.rules.subject, deadline.event.type), at: new Date(deadline.at).toISOString() } : null;
  }

  /** What an Update raises when the lifecycle refuses it: not retryable, a type the API answers 409 for. */
  protected refusal(operation: string): ApplicationFailure {
    return ApplicationFailure.create({
      type: ILLEGAL_OPERATION,
      message: `cannot ${operation} ${this.rules.subject === 'account' ? 'an account' : 'a license'} that is ${this.state}`,
      details: [{ state: this.state, operation }],
      nonRetryable: true,
    });
  }

  /** News from outside the machine's timers (an account's license group); none by default. */
  protected hasNews(): boolean {
    return false;
  }
  protected async takeNews(): Promise<void> {}
  protected async afterOpening(): Promise<void> {}

  /** Writes one change through the subject's own recording activity; answers the webhook deliveries it enqueued and the notices it settled. */
  protected abstract write(written: Written<T['snapshot']>, recording: Recording): Promise<RecordedTransition>;
  /** What a notice says the subject runs until (a license's expiry; an account's group coverage). */
  protected abstract coveredUntil(snapshot: T['snapshot']): number | null;
  /** Facts of the subject the audit log shows before and after a change, besides state and cycle. */
  protected abstract auditFacts(snapshot: T['snapshot']): Record<string, unknown>;
  protected abstract searchAttributes(): SearchAttributeUpdatePair[];
  protected abstract card(): Card;
}
