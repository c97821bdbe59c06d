// What the license workflow keeps beyond every lifecycle's record: its expiry in the UI and
// its search attributes, and the accounts of its group told when what they draw on changes.
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { LicenseActivities } from '../../activities/license/record.js';
import type { RecordedTransition } from '../../activities/lifecycle/transitions.js';
import type { LicenseCarryOver, LicenseFacts, LicenseLifecycleInput, LicenseView } from '../../machines/license/contract.js';
import { LicenseLifecycle, type LicenseEvent, type LicenseInput, type LicenseScheduledEvent, type LicenseSnapshot, type LicenseState } from '../../machines/license/index.js';
import { AccessGroupId, LicenseExpiresAt, LicenseState as LicenseStateAttribute, PoolId } from '../search-attributes.js';
import { workflowTime } from '../lifecycle/clock.js';
import type { Card } from '../lifecycle/details.js';
import { LifecycleRecord, type Recording, type Written } from '../lifecycle/record.js';
import { LIFECYCLE_WRITE_OPTIONS, RECORDING_LOCAL_ACTIVITY_OPTIONS } from '../lifecycle/transition.js';
import { tellAccountsOfGroup } from './group.js';

const { recordLicenseTransition } = proxyLocalActivities<LicenseActivities>(RECORDING_LOCAL_ACTIVITY_OPTIONS);
const scheduled = proxyActivities<LicenseActivities>(LIFECYCLE_WRITE_OPTIONS);

type LicenseTypes = { snapshot: LicenseSnapshot; state: LicenseState; event: LicenseEvent; input: LicenseInput; scheduled: LicenseScheduledEvent };

export class LicenseRecord extends LifecycleRecord<LicenseTypes, LicenseFacts, LicenseCarryOver, LicenseView> {
  constructor(input: LicenseLifecycleInput) {
    super(LicenseLifecycle, input, () => {
      const issue = input.start!;
      const step = LicenseLifecycle.start({ policy: input.policy, accountType: input.facts.accountType, term: issue.term, expiresAt: issue.expiresAt, issuedAt: workflowTime() });
      return { step, action: 'license.issued', actor: issue.actor };
    });
  }

  get expiresAt(): number {
    return this.snapshot.context.expiresAt;
  }

  view(): LicenseView {
    return { ...this.lifecycleView(), expiresAt: new Date(this.expiresAt).toISOString() };
  }

  protected async write({ snapshot, ...record }: Written<LicenseSnapshot>, recording: Recording): Promise<RecordedTransition> {
    const state = LicenseLifecycle.stateOf(snapshot);
    const recordTransition = recording === 'scheduled' ? scheduled.recordLicenseTransition : recordLicenseTransition;
    const { accountIds, ...recorded } = await recordTransition({ ...record, license: this.facts, state, context: snapshot.context });
    // What the license's accounts draw on: whether it lends seats (state) and in which order (expiry).
    // Most licenses have no account: skipping the call spares the workflow its promises, each of
    // which the SDK's promise hook captures a stack trace for (issue 13).
    const accountsDrawOnIt = this.revision === 0 || state !== this.state || snapshot.context.expiresAt !== this.expiresAt;
    if (accountsDrawOnIt && accountIds.length > 0) await tellAccountsOfGroup(accountIds);
    return recorded;
  }

  protected coveredUntil(snapshot: LicenseSnapshot): number {
    return snapshot.context.expiresAt;
  }

  protected auditFacts(snapshot: LicenseSnapshot): Record<string, unknown> {
    return { expiresAt: new Date(snapshot.context.expiresAt).toISOString(), term: snapshot.context.term };
  }

  protected searchAttributes(): SearchAttributeUpdatePair[] {
    return [
      { key: LicenseStateAttribute, value: this.state },
      { key: LicenseExpiresAt, value: new Date(this.expiresAt) },
      ...(this.facts.poolId ? [{ key: PoolId, value: this.facts.poolId }] : []),
      ...(this.facts.accessGroupId ? [{ key: AccessGroupId, value: this.facts.accessGroupId }] : []),
    ];
  }

  protected card(): Card {
    const deadline = this.deadlineView(this.snapshot);
    return {
      title: `${this.facts.companyName} · ${this.facts.product} · ${this.facts.seats} seats`,
      standing: `State: ${this.state} (cycle ${this.cycle}, ${this.snapshot.context.term}), expires ${new Date(this.expiresAt).toISOString()}`,
      next: deadline ? `Next: ${deadline.event} at ${deadline.at}` : 'Deleted: nothing comes next.',
    };
  }
}
