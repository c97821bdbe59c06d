// The mechanics behind the account workflow: the machine's snapshot, applied one event at
// a time, each change written to the database (projection, audit, outbox) before it counts,
// the license group re-read whenever a license says it changed, and the state mirrored into
// the search attributes ops filter on.
import { ApplicationFailure, condition, proxyActivities } from '@temporalio/workflow';
import type { AccountActivities } from '../../activities/account/record.js';
import type { LicenseGroupActivities } from '../../activities/account/license-group.js';
import {
  accountStateOf,
  applyAccountEvent,
  isProtected,
  restoreAccount,
  startAccount,
  type AccountEvent,
  type AccountSnapshot,
  type AccountState,
  type NoticeKind,
} from '../../machines/account/machine.js';
import { nextAccountDeadline } from '../../machines/account/schedule.js';
import { AccountState as AccountStateAttribute } from '../search-attributes.js';
import { Serial } from '../lifecycle/serial.js';
import { workflowTime } from '../lifecycle/clock.js';
import { mirrorInUi, nextDeadlineLine } from '../lifecycle/details.js';
import { operationRefused } from '../lifecycle/refusal.js';
import { RECORDING_ACTIVITY_OPTIONS, SYSTEM_ACTOR, startDeliveries } from '../lifecycle/transition.js';
import { ILLEGAL_ACCOUNT_OPERATION, type AccountCarryOver, type AccountFacts, type AccountLifecycleInput, type AccountView } from '../../machines/account/contract.js';
import { auditActionOf, noticeFacts, type AccountChange } from '../../machines/account/events.js';

const { recordAccountTransition, allocateLicenseGroup } = proxyActivities<AccountActivities & LicenseGroupActivities>(RECORDING_ACTIVITY_OPTIONS);

export class AccountRecord {
  private readonly serial = new Serial();
  /** Set by the licenses.changed signal, cleared when the group is re-read: many signals, one re-read. */
  private licensesChanged = true;
  /** The group's latest eligible expiry at the last re-read, named by a "restored" notice. */
  private coveredUntil: number | null = null;
  /** True once the first state and the first allocation are written. */
  opened = false;

  private constructor(
    private readonly input: AccountLifecycleInput,
    public snapshot: AccountSnapshot,
    public seatsRequested: number,
    public revision: number,
    private readonly pendingOpening: { action: string; actor: string; notices: NoticeKind[]; before?: Record<string, unknown> } | undefined,
  ) {}

  static open(input: AccountLifecycleInput): AccountRecord {
    if (input.carryOver) {
      const { state, context, seatsRequested, revision, policyVersion } = input.carryOver;
      const adoption = policyVersion === input.policy.version ? undefined : { action: 'account.policy_adopted', actor: SYSTEM_ACTOR, notices: [], before: { policyVersion } };
      return new AccountRecord(input, restoreAccount(state, { ...context, policy: input.policy }), seatsRequested, revision, adoption);
    }
    if (!input.creation) throw ApplicationFailure.nonRetryable('a new account needs its creation terms', 'InvalidRecord');
    const { actor, seatsRequested, startInTrial, hasEligibleLicense } = input.creation;
    const { snapshot, notices } = startAccount({ policy: input.policy, createdAt: workflowTime(), hasEligibleLicense, startInTrial });
    return new AccountRecord(input, snapshot, seatsRequested, 0, { action: 'account.created', actor, notices });
  }

  get facts(): AccountFacts {
    return this.input.account;
  }
  get state(): AccountState {
    return accountStateOf(this.snapshot);
  }
  get cycle(): number {
    return this.snapshot.context.cycle;
  }
  get isDeleted(): boolean {
    return this.snapshot.status === 'done';
  }
  get policyId(): string {
    return this.input.policy.id;
  }

  /** Called by the licenses.changed signal; the work happens in the workflow's own loop. */
  noteLicensesChanged(): void {
    this.licensesChanged = true;
  }

  /**
   * Writes the first state of a new account (or a newer policy version a continued run
   * adopted), then takes its seats from the group. A continued
   * run re-reads the group too: a signal that raced the previous run's end is not lost.
   */
  async recordOpening(): Promise<void> {
    if (this.pendingOpening) {
      const { action, actor, notices, before } = this.pendingOpening;
      await this.serial.run(() => this.persist(this.snapshot, this.seatsRequested, before, action, actor, notices));
    }
    await this.serial.run(() => this.reconcileWithLicenses());
    this.opened = true;
    this.showInUi();
  }

  /** An operation from a caller: applied in arrival order, written before the Update answers. */
  operate(actor: string, eventAt: (now: number) => AccountEvent): Promise<AccountView> {
    return this.serial.run(async () => {
      const event = eventAt(workflowTime());
      const outcome = applyAccountEvent(this.snapshot, event);
      // Validated on arrival, but an earlier operation or deadline may have changed the state since.
      if (!outcome.changed) throw refusal(event.type, this.state);
      await this.commit(outcome.snapshot, event, actor, outcome.notices);
      return this.view();
    });
  }

  /** A new seat request: written, then the group re-allocated so the caller reads the new allocation. */
  changeSeats(actor: string, seatsRequested: number): Promise<AccountView> {
    return this.serial.run(async () => {
      if (this.isDeleted) throw refusal('change seats of', this.state);
      if (seatsRequested !== this.seatsRequested) {
        const before = this.seatsRequested;
        await this.persist(this.snapshot, seatsRequested, { seatsRequested: before }, auditActionOf({ type: 'seats.changed' }, this.state, this.state), actor, []);
        await this.reconcileWithLicenses();
      }
      return this.view();
    });
  }

  /**
   * Sleeps until the next deadline, a license change or an operation. A license change is
   * handled first: an eligible license that arrives as grace ends still restores (R18).
   */
  async awaitNextEvent(): Promise<void> {
    const seen = this.revision;
    const woken = () => this.licensesChanged || this.revision !== seen;
    const deadline = nextAccountDeadline(this.snapshot);
    if (!deadline) await condition(woken);
    else if (deadline.at > workflowTime()) await condition(woken, deadline.at - workflowTime());

    if (this.licensesChanged) return this.serial.run(() => this.reconcileWithLicenses());
    if (this.revision !== seen || !deadline) return;
    await this.serial.run(async () => {
      // An operation may have landed while the timer fired; the machine decides if the deadline still applies.
      const event: AccountEvent = { type: deadline.event, at: workflowTime() };
      const outcome = applyAccountEvent(this.snapshot, event);
      if (outcome.changed) await this.commit(outcome.snapshot, event, SYSTEM_ACTOR, outcome.notices);
    });
  }

  /** Where the next run picks up: this account as it stands, without the policy of this cycle. */
  carryOver(): AccountCarryOver {
    const { policy: _policyOfThisCycle, ...context } = this.snapshot.context;
    return { state: this.state, context, seatsRequested: this.seatsRequested, revision: this.revision, policyVersion: this.input.policy.version };
  }

  view(): AccountView {
    const deadline = nextAccountDeadline(this.snapshot);
    return {
      id: this.facts.id,
      state: this.state,
      protected: isProtected(this.snapshot),
      seatsRequested: this.seatsRequested,
      cycle: this.cycle,
      revision: this.revision,
      nextDeadline: deadline ? { event: deadline.event, at: new Date(deadline.at).toISOString() } : null,
      noticesThisCycle: this.snapshot.context.noticesSent,
    };
  }

  /** Re-allocates the group from the database and tells the machine whether an eligible license is left. */
  private async reconcileWithLicenses(): Promise<void> {
    // Cleared before reading: a signal that arrives during the read asks for one more.
    this.licensesChanged = false;
    const { hasEligibleLicense, coveredUntil } = await allocateLicenseGroup(this.group);
    this.coveredUntil = coveredUntil;
    if (this.isDeleted) return;
    const event: AccountEvent = { type: 'licenses.changed', hasEligibleLicense, at: workflowTime() };
    const outcome = applyAccountEvent(this.snapshot, event);
    if (outcome.changed) await this.commit(outcome.snapshot, event, SYSTEM_ACTOR, outcome.notices);
  }

  private get group() {
    return { partnerId: this.facts.partnerId, companyId: this.facts.companyId, product: this.facts.product };
  }

  private async commit(next: AccountSnapshot, change: AccountChange, actor: string, notices: NoticeKind[]): Promise<void> {
    const before = { state: this.state, cycle: this.cycle };
    await this.persist(next, this.seatsRequested, before, auditActionOf(change, this.state, accountStateOf(next)), actor, notices);
    // A deleted account's seats go back to the group, for the accounts that remain.
    if (this.isDeleted) await allocateLicenseGroup(this.group);
  }

  /** The database first, then memory: if the write never succeeds, the workflow has not moved either. */
  private async persist(
    next: AccountSnapshot,
    seatsRequested: number,
    before: Record<string, unknown> | undefined,
    action: string,
    actor: string,
    notices: NoticeKind[],
  ): Promise<void> {
    const revision = this.revision + 1;
    const deadline = nextAccountDeadline(next);
    const state = accountStateOf(next);
    const now = workflowTime();
    const noticeKeys = notices.map((kind) => `account:${this.facts.id}:${next.context.cycle}:${kind}`);
    const { webhookDeliveryIds } = await recordAccountTransition({
      account: this.facts,
      policyId: this.input.policy.id,
      policyVersion: this.input.policy.version,
      revision,
      state,
      final: next.status === 'done',
      seatsRequested,
      context: next.context,
      nextDeadline: deadline ? { event: deadline.event, at: deadline.at } : null,
      audit: { action, actor, at: now, before, after: { state, cycle: next.context.cycle, seatsRequested, policyVersion: this.input.policy.version } },
      notices: notices.map((kind, index) => ({
        key: noticeKeys[index]!,
        kind,
        offset: null,
        cycle: next.context.cycle,
        dueAt: now,
        facts: noticeFacts(next.context, this.coveredUntil),
      })),
    });
    this.snapshot = next;
    this.seatsRequested = seatsRequested;
    this.revision = revision;
    this.showInUi();
    await startDeliveries(this.facts, { action, noticeKeys, webhookDeliveryIds });
  }

  private showInUi(): void {
    const deadline = nextAccountDeadline(this.snapshot);
    mirrorInUi([{ key: AccountStateAttribute, value: this.state }], {
      title: `${this.facts.companyName} · ${this.facts.product} · ${this.facts.name}`,
      standing: `State: ${this.state} (cycle ${this.cycle}), ${isProtected(this.snapshot) ? 'users protected' : 'users NOT protected'}, ${this.seatsRequested} seats requested`,
      next: deadline ? nextDeadlineLine(deadline) : this.isDeleted ? 'Deleted: nothing comes next.' : 'Next: nothing until a license changes.',
    });
  }
}

export function refusal(operation: string, state: AccountState): ApplicationFailure {
  return operationRefused(ILLEGAL_ACCOUNT_OPERATION, 'an account', operation, state);
}
