// What the account workflow keeps beyond every lifecycle's record: its license group, re-read
// whenever a license says it changed (R9, R15, R18), and its seats, re-allocated after every
// change; its protection in the UI and its search attributes.
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { AccountActivities } from '../../activities/account/record.js';
import type { LicenseGroupActivities } from '../../activities/account/license-group.js';
import type { RecordedTransition } from '../../activities/lifecycle/transitions.js';
import type { AccountCarryOver, AccountFacts, AccountLifecycleInput, AccountView } from '../../machines/account/contract.js';
import { AccountLifecycle, type AccountEvent, type AccountInput, type AccountScheduledEvent, type AccountSnapshot, type AccountState } from '../../machines/account/index.js';
import { AccountState as AccountStateAttribute } from '../search-attributes.js';
import { workflowTime } from '../lifecycle/clock.js';
import type { Card } from '../lifecycle/details.js';
import { LifecycleRecord, type Recording, type Written } from '../lifecycle/record.js';
import { LIFECYCLE_WRITE_OPTIONS, RECORDING_LOCAL_ACTIVITY_OPTIONS, SYSTEM_ACTOR } from '../lifecycle/transition.js';

const { recordAccountTransition, allocateLicenseGroup } = proxyLocalActivities<AccountActivities & LicenseGroupActivities>(RECORDING_LOCAL_ACTIVITY_OPTIONS);
const scheduled = proxyActivities<AccountActivities>(LIFECYCLE_WRITE_OPTIONS);

type AccountTypes = { snapshot: AccountSnapshot; state: AccountState; event: AccountEvent; input: AccountInput; scheduled: AccountScheduledEvent };

export class AccountRecord extends LifecycleRecord<AccountTypes, AccountFacts, AccountCarryOver, AccountView> {
  /** Set by the licenses.changed signal, cleared when the group is re-read: many signals, one re-read. */
  private licensesChanged = true;
  /** The group's latest eligible expiry at the last re-read, named by a "restored" notice. */
  private groupCoveredUntil: number | null = null;

  constructor(input: AccountLifecycleInput) {
    super(AccountLifecycle, input, () => {
      const { actor, ...creation } = input.start!;
      return { step: AccountLifecycle.start({ policy: input.policy, createdAt: workflowTime(), ...creation }), action: 'account.created', actor };
    });
  }

  get seatsRequested(): number {
    return this.snapshot.context.seatsRequested;
  }

  /** Called by the licenses.changed signal; the work happens in the workflow's own loop. */
  noteLicensesChanged(): void {
    this.licensesChanged = true;
  }

  /** A new seat request: written, then the group re-allocated so the caller reads the new allocation. */
  changeSeats(actor: string, seatsRequested: number): Promise<AccountView> {
    return this.serial.run(async () => {
      if (this.isDeleted) throw this.refusal('change seats of');
      const step = AccountLifecycle.apply(this.snapshot, { type: 'seats.changed', seatsRequested, at: workflowTime() });
      if (step.changed) {
        await this.commit(step, 'seats.changed', actor, this.changeRecording);
        await this.reconcileWithLicenses();
      }
      return this.view();
    });
  }

  view(): AccountView {
    return { ...this.lifecycleView(), protected: AccountLifecycle.isProtected(this.snapshot), seatsRequested: this.seatsRequested };
  }

  /** A continued run re-reads the group too: a signal that raced the previous run's end is not lost. */
  protected override afterOpening(): Promise<void> {
    return this.serial.run(() => this.reconcileWithLicenses());
  }

  /** A license change is handled before a deadline: an eligible license that arrives as grace ends still restores (R18). */
  protected override hasNews(): boolean {
    return this.licensesChanged;
  }

  protected override takeNews(): Promise<void> {
    return this.reconcileWithLicenses();
  }

  /** Re-allocates the group from the database and tells the machine whether an eligible license is left. */
  private async reconcileWithLicenses(): Promise<void> {
    // Cleared before reading: a signal that arrives during the read asks for one more.
    this.licensesChanged = false;
    const { hasEligibleLicense, coveredUntil } = await allocateLicenseGroup(this.group);
    this.groupCoveredUntil = coveredUntil;
    if (this.isDeleted) return;
    const step = AccountLifecycle.apply(this.snapshot, { type: 'licenses.changed', hasEligibleLicense, at: workflowTime() });
    // In the task: it follows a signal or a scheduled write, never an Update's speculative task alone.
    if (step.changed) await this.commit(step, 'licenses.changed', SYSTEM_ACTOR, 'in-task');
  }

  private get group() {
    return { partnerId: this.facts.partnerId, companyId: this.facts.companyId, product: this.facts.product };
  }

  protected async write({ snapshot, ...record }: Written<AccountSnapshot>, recording: Recording): Promise<RecordedTransition> {
    const final = snapshot.status === 'done';
    const recordTransition = recording === 'scheduled' ? scheduled.recordAccountTransition : recordAccountTransition;
    const written = await recordTransition({ ...record, account: this.facts, state: AccountLifecycle.stateOf(snapshot), final, context: snapshot.context });
    // A deleted account's seats go back to the group, for the accounts that remain.
    if (final) await allocateLicenseGroup(this.group);
    return written;
  }

  protected coveredUntil(): number | null {
    return this.groupCoveredUntil;
  }

  protected auditFacts(snapshot: AccountSnapshot): Record<string, unknown> {
    return { seatsRequested: snapshot.context.seatsRequested };
  }

  protected searchAttributes(): SearchAttributeUpdatePair[] {
    return [{ key: AccountStateAttribute, value: this.state }];
  }

  protected card(): Card {
    const deadline = this.deadlineView(this.snapshot);
    const protection = AccountLifecycle.isProtected(this.snapshot) ? 'users protected' : 'users NOT protected';
    return {
      title: `${this.facts.companyName} · ${this.facts.product} · ${this.facts.name}`,
      standing: `State: ${this.state} (cycle ${this.cycle}), ${protection}, ${this.seatsRequested} seats requested`,
      next: deadline ? `Next: ${deadline.event} at ${deadline.at}` : this.isDeleted ? 'Deleted: nothing comes next.' : 'Next: nothing until a license changes.',
    };
  }
}
