// The mechanics behind the license workflow: the machine's snapshot, applied one event
// at a time, each change written to the database (projection, audit, outbox) before it
// counts, and mirrored into the search attributes ops filter on.
import { ApplicationFailure, condition, proxyActivities } from '@temporalio/workflow';
import type { LicenseActivities } from '../../activities/license/record.js';
import {
  applyLicenseEvent,
  nextDeadline,
  noticeKey,
  restoreLicense,
  startLicense,
  stateOf,
  type LicenseEvent,
  type LicenseSnapshot,
  type LicenseState,
  type Notice,
} from '../../machines/license/index.js';
import { LicenseExpiresAt, LicenseState as LicenseStateAttribute } from '../search-attributes.js';
import { Serial } from '../lifecycle/serial.js';
import { workflowTime } from '../lifecycle/clock.js';
import { mirrorInUi, nextDeadlineLine } from '../lifecycle/details.js';
import { operationRefused } from '../lifecycle/refusal.js';
import { RECORDING_ACTIVITY_OPTIONS, SYSTEM_ACTOR, startDeliveries } from '../lifecycle/transition.js';
import { tellAccountsOfGroup } from './group.js';
import { ILLEGAL_TRANSITION, type LicenseCarryOver, type LicenseFacts, type LicenseLifecycleInput, type LicenseView } from '../../machines/license/contract.js';
import { auditActionOf, noticeFacts } from '../../machines/license/events.js';

const { recordLicenseTransition } = proxyActivities<LicenseActivities>(RECORDING_ACTIVITY_OPTIONS);

export class LicenseRecord {
  private readonly serial = new Serial();

  private constructor(
    private readonly input: LicenseLifecycleInput,
    public snapshot: LicenseSnapshot,
    public revision: number,
    private readonly pendingOpening: { action: string; actor: string; notices: Notice[]; before?: Record<string, unknown> } | undefined,
  ) {}

  static open(input: LicenseLifecycleInput): LicenseRecord {
    if (input.carryOver) {
      const { state, context, revision, policyVersion } = input.carryOver;
      const adoption = policyVersion === input.policy.version ? undefined : { action: 'license.policy_adopted', actor: SYSTEM_ACTOR, notices: [], before: { policyVersion } };
      return new LicenseRecord(input, restoreLicense(state, { ...context, policy: input.policy }), revision, adoption);
    }
    if (!input.issue) throw ApplicationFailure.nonRetryable('a new license needs its issue terms', 'InvalidRecord');
    const [snapshot, notices] = startLicense({
      policy: input.policy,
      accountType: input.license.accountType,
      term: input.license.term,
      expiresAt: input.issue.expiresAt,
      issuedAt: workflowTime(),
    });
    return new LicenseRecord(input, snapshot, 0, { action: 'license.issued', actor: input.issue.actor, notices });
  }

  get facts(): LicenseFacts {
    return this.input.license;
  }
  get state(): LicenseState {
    return stateOf(this.snapshot);
  }
  get cycle(): number {
    return this.snapshot.context.cycle;
  }
  get expiresAt(): number {
    return this.snapshot.context.expiresAt;
  }
  get isDeleted(): boolean {
    return this.snapshot.status === 'done';
  }
  get policyId(): string {
    return this.input.policy.id;
  }

  /** Writes the first state of a new license, or a newer policy version a continued run adopted. */
  async recordOpening(): Promise<void> {
    if (this.pendingOpening) {
      const { action, actor, notices, before } = this.pendingOpening;
      await this.serial.run(() => this.persist(this.snapshot, before, action, actor, notices));
    }
    this.showInUi();
  }

  /** An operation from a caller: applied in arrival order, written before the Update answers. */
  operate(actor: string, eventAt: (now: number) => LicenseEvent): Promise<LicenseView> {
    return this.serial.run(async () => {
      const event = eventAt(workflowTime());
      const outcome = applyLicenseEvent(this.snapshot, event);
      // Validated on arrival, but an earlier operation or deadline may have changed the state since.
      if (!outcome.changed) throw refusal(event.type, this.state);
      await this.commit(outcome.snapshot, event, actor, outcome.notices);
      return this.view();
    });
  }

  /** Sleeps until the next deadline and applies it, or returns early when an operation changed the state. */
  async awaitNextEvent(): Promise<void> {
    const deadline = nextDeadline(this.snapshot);
    if (!deadline) return;
    const seen = this.revision;
    const wait = deadline.at - workflowTime();
    if (wait > 0 && (await condition(() => this.revision !== seen, wait))) return;
    await this.serial.run(async () => {
      // An operation may have landed while the timer fired; the machine decides if the deadline still applies.
      const event = { ...deadline.event, at: workflowTime() } as LicenseEvent;
      const outcome = applyLicenseEvent(this.snapshot, event);
      if (outcome.changed) await this.commit(outcome.snapshot, event, SYSTEM_ACTOR, outcome.notices);
    });
  }

  /** Where the next run picks up: this license as it stands, without the policy of this cycle. */
  carryOver(): LicenseCarryOver {
    const { policy: _policyOfThisCycle, ...context } = this.snapshot.context;
    return { state: this.state, context, revision: this.revision, policyVersion: this.input.policy.version };
  }

  view(): LicenseView {
    const deadline = nextDeadline(this.snapshot);
    return {
      id: this.facts.id,
      state: this.state,
      expiresAt: new Date(this.expiresAt).toISOString(),
      cycle: this.cycle,
      revision: this.revision,
      nextDeadline: deadline ? { event: deadline.event.type, at: new Date(deadline.at).toISOString() } : null,
      noticesThisCycle: this.snapshot.context.noticesSent,
    };
  }

  private async commit(next: LicenseSnapshot, event: LicenseEvent, actor: string, notices: Notice[]): Promise<void> {
    const before = { state: this.state, expiresAt: new Date(this.expiresAt).toISOString(), cycle: this.cycle };
    await this.persist(next, before, auditActionOf(event, stateOf(next)), actor, notices);
  }

  /** The database first, then memory: if the write never succeeds, the workflow has not moved either. */
  private async persist(
    next: LicenseSnapshot,
    before: Record<string, unknown> | undefined,
    action: string,
    actor: string,
    notices: Notice[],
  ): Promise<void> {
    const revision = this.revision + 1;
    const deadline = nextDeadline(next);
    const now = workflowTime();
    // What the license's accounts draw on: whether it lends seats (state) and in which order (expiry).
    const changesGroup = this.revision === 0 || stateOf(next) !== this.state || next.context.expiresAt !== this.expiresAt;
    const noticeKeys = notices.map((notice) => `license:${this.facts.id}:${next.context.cycle}:${noticeKey(notice)}`);
    const { webhookDeliveryIds, accountIds } = await recordLicenseTransition({
      license: this.facts,
      policyId: this.input.policy.id,
      policyVersion: this.input.policy.version,
      revision,
      state: stateOf(next),
      context: next.context,
      nextDeadline: deadline ? { event: deadline.event.type, at: deadline.at } : null,
      audit: { action, actor, at: now, before, after: { state: stateOf(next), expiresAt: new Date(next.context.expiresAt).toISOString(), cycle: next.context.cycle, policyVersion: this.input.policy.version } },
      notices: notices.map((notice, index) => ({
        key: noticeKeys[index]!,
        kind: notice.kind,
        offset: notice.offset ?? null,
        cycle: next.context.cycle,
        dueAt: now,
        facts: noticeFacts(next.context, notice),
      })),
    });
    this.snapshot = next;
    this.revision = revision;
    this.showInUi();
    await startDeliveries(this.facts, { action, noticeKeys, webhookDeliveryIds });
    if (changesGroup) await tellAccountsOfGroup(accountIds);
  }

  private showInUi(): void {
    const deadline = nextDeadline(this.snapshot);
    mirrorInUi(
      [
        { key: LicenseStateAttribute, value: this.state },
        { key: LicenseExpiresAt, value: new Date(this.expiresAt) },
      ],
      {
        title: `${this.facts.companyName} · ${this.facts.product} · ${this.facts.seats} seats`,
        standing: `State: ${this.state} (cycle ${this.cycle}), expires ${new Date(this.expiresAt).toISOString()}`,
        next: deadline ? nextDeadlineLine({ event: deadline.event.type, at: deadline.at }) : 'Deleted: nothing comes next.',
      },
    );
  }
}

export function refusal(operation: string, state: LicenseState): ApplicationFailure {
  return operationRefused(ILLEGAL_TRANSITION, 'a license', operation, state);
}
