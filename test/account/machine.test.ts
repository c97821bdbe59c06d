import { describe, expect, test } from 'vitest';
import { allocateSeats, type LicenseSeats, type SeatRequest } from '../../machines/account/allocation.js';
import { AccountLifecycle, type AccountEvent, type AccountInput, type AccountSnapshot } from '../../machines/account/index.js';
import type { Notice } from '../../machines/lifecycle/notices.js';
import { defaultPolicyTerms, type LifecyclePolicy } from '../../machines/lifecycle/policy.js';
import { policyInSeconds } from '../support/policy-in-seconds.js';

const {
  apply: applyAccountEvent,
  stateOf: accountStateOf,
  isProtected,
  restore: restoreAccount,
  timeline: accountTimeline,
  nextDeadline: nextAccountDeadline,
  pendingDeadlines: pendingAccountDeadlines,
} = AccountLifecycle;
const startAccount = (input: Omit<AccountInput, 'seatsRequested'>) => AccountLifecycle.start({ seatsRequested: 1, ...input });
const S = 1000;
const DAY = 24 * 60 * 60 * S;
const T0 = Date.UTC(2025, 0, 1);

/** Policy in seconds, as in tests and demos: 30 s trial, 14 s grace, 30 s suspended, warning 14 s before deletion. */
const policy = policyInSeconds({ trial: 'PT30S', grace: 'PT14S', suspension: 'PT30S', expiryNotices: ['PT7S'], deletionNotice: 'PT14S' });

function start(options: { startInTrial?: boolean; hasEligibleLicense?: boolean; with?: LifecyclePolicy } = {}) {
  return startAccount({
    policy: options.with ?? policy,
    createdAt: T0,
    hasEligibleLicense: options.hasEligibleLicense ?? true,
    startInTrial: options.startInTrial ?? false,
  });
}

function apply(snapshot: AccountSnapshot, ...events: AccountEvent[]) {
  let result = { snapshot, notices: [] as Notice[], changed: false };
  for (const event of events) result = applyAccountEvent(result.snapshot, event);
  return result;
}

const licenses = (hasEligibleLicense: boolean, at: number): AccountEvent => ({
  type: 'licenses.changed',
  hasEligibleLicense,
  at,
});

/** An active account that lost its last eligible license at T0 + 10 s. */
function inGrace() {
  return applyAccountEvent(start().snapshot, licenses(false, T0 + 10 * S));
}

/** The same account once grace has run out. */
function suspended() {
  const grace = inGrace().snapshot;
  return applyAccountEvent(grace, { type: 'grace.ended', at: grace.context.graceEndsAt! });
}

describe('account lifecycle', () => {
  test('R10: a trial runs its policy length, then the account is active if an eligible license exists', () => {
    const { snapshot, notices } = start({ startInTrial: true, hasEligibleLicense: false });
    expect(accountStateOf(snapshot)).toBe('trial');
    expect(notices).toEqual([]);
    expect(nextAccountDeadline(snapshot)).toEqual({ event: { type: 'trial.ended' }, at: T0 + 30 * S });

    const licensed = applyAccountEvent(snapshot, licenses(true, T0 + 5 * S));
    expect(accountStateOf(licensed.snapshot)).toBe('trial');

    const ended = applyAccountEvent(licensed.snapshot, { type: 'trial.ended', at: T0 + 30 * S });
    expect(accountStateOf(ended.snapshot)).toBe('active');
    expect(ended.notices).toEqual([]);
    expect(ended.snapshot.context.cycle).toBe(1);
    expect(pendingAccountDeadlines(ended.snapshot)).toEqual([]);
  });

  test('R15: a trial that ends with no eligible license goes to grace', () => {
    const { snapshot } = start({ startInTrial: true, hasEligibleLicense: false });
    const ended = applyAccountEvent(snapshot, { type: 'trial.ended', at: T0 + 30 * S });
    expect(accountStateOf(ended.snapshot)).toBe('grace');
    expect(ended.notices).toEqual([{ kind: 'grace_started' }]);
    expect(ended.snapshot.context.graceEndsAt).toBe(T0 + 44 * S);
  });

  test('R15: losing the last eligible license starts grace with a halfway reminder', () => {
    const lost = inGrace();
    expect(accountStateOf(lost.snapshot)).toBe('grace');
    expect(lost.notices).toEqual([{ kind: 'grace_started' }]);
    expect(lost.snapshot.context).toMatchObject({
      hasEligibleLicense: false,
      graceStartedAt: T0 + 10 * S,
      graceEndsAt: T0 + 24 * S,
    });
    expect(pendingAccountDeadlines(lost.snapshot)).toEqual([
      { event: { type: 'grace.halfway' }, at: T0 + 17 * S },
      { event: { type: 'grace.ended' }, at: T0 + 24 * S },
    ]);

    const halfway = applyAccountEvent(lost.snapshot, { type: 'grace.halfway', at: T0 + 17 * S });
    expect(halfway.notices).toEqual([{ kind: 'grace_halfway' }]);
    expect(accountStateOf(halfway.snapshot)).toBe('grace');
    expect(pendingAccountDeadlines(halfway.snapshot)).toEqual([{ event: { type: 'grace.ended' }, at: T0 + 24 * S }]);

    const again = applyAccountEvent(halfway.snapshot, { type: 'grace.halfway', at: T0 + 18 * S });
    expect(again).toMatchObject({ notices: [], changed: false });
  });

  test('R15: an account created with neither trial nor eligible license starts in grace', () => {
    const { snapshot, notices } = start({ hasEligibleLicense: false });
    expect(accountStateOf(snapshot)).toBe('grace');
    expect(notices).toEqual([{ kind: 'grace_started' }]);
    expect(snapshot.context.graceEndsAt).toBe(T0 + 14 * S);
  });

  test('R11: grace still protects', () => {
    expect(isProtected(start({ startInTrial: true }).snapshot)).toBe(true);
    expect(isProtected(start().snapshot)).toBe(true);
    expect(isProtected(inGrace().snapshot)).toBe(true);
  });

  test('R16: suspended is not protected', () => {
    const result = suspended();
    expect(accountStateOf(result.snapshot)).toBe('suspended');
    expect(result.notices).toEqual([{ kind: 'suspended' }]);
    expect(isProtected(result.snapshot)).toBe(false);
    expect(result.snapshot.context).toMatchObject({ suspendedAt: T0 + 24 * S, deletesAt: T0 + 54 * S });
  });

  test('R16: a grace timer that fires early is ignored, a late one delays what follows', () => {
    const grace = inGrace().snapshot;
    expect(applyAccountEvent(grace, { type: 'grace.ended', at: T0 + 23 * S })).toMatchObject({ changed: false, notices: [] });
    const late = applyAccountEvent(grace, { type: 'grace.ended', at: T0 + 26 * S });
    expect(late.snapshot.context.deletesAt).toBe(T0 + 56 * S);
  });

  test('R17: deletion warning 14 days before deletion', () => {
    const daysPolicy: LifecyclePolicy = { id: 'pol_default', version: 1, name: 'default', ...defaultPolicyTerms };
    const active = start({ with: daysPolicy }).snapshot;
    const timeline = accountTimeline(applyAccountEvent(active, licenses(false, T0)).snapshot);
    expect(timeline.map(({ at, event, to, notices }) => ({ day: (at - T0) / DAY, event, to, notices }))).toEqual([
      { day: 7, event: { type: 'grace.halfway' }, to: 'grace', notices: [{ kind: 'grace_halfway' }] },
      { day: 14, event: { type: 'grace.ended' }, to: 'suspended', notices: [{ kind: 'suspended' }] },
      { day: 30, event: { type: 'deletion.notice_due' }, to: 'suspended', notices: [{ kind: 'deletion_warning' }] },
      { day: 44, event: { type: 'retention.ended' }, to: 'deleted', notices: [{ kind: 'deleted' }] },
    ]);
  });

  test('R17: the account is deleted when retention ends, and the warning goes out once', () => {
    const { snapshot } = suspended();
    expect(pendingAccountDeadlines(snapshot)).toEqual([
      { event: { type: 'deletion.notice_due' }, at: T0 + 40 * S },
      { event: { type: 'retention.ended' }, at: T0 + 54 * S },
    ]);
    const warned = applyAccountEvent(snapshot, { type: 'deletion.notice_due', at: T0 + 40 * S });
    expect(warned.notices).toEqual([{ kind: 'deletion_warning' }]);
    expect(applyAccountEvent(warned.snapshot, { type: 'deletion.notice_due', at: T0 + 41 * S }).changed).toBe(false);

    const deleted = applyAccountEvent(warned.snapshot, { type: 'retention.ended', at: T0 + 54 * S });
    expect(accountStateOf(deleted.snapshot)).toBe('deleted');
    expect(deleted.snapshot.status).toBe('done');
    expect(deleted.notices).toEqual([{ kind: 'deleted' }]);
    expect(pendingAccountDeadlines(deleted.snapshot)).toEqual([]);
  });

  test('R18: an eligible license restores a suspended account', () => {
    const { snapshot } = suspended();
    const restored = applyAccountEvent(snapshot, licenses(true, T0 + 30 * S));
    expect(accountStateOf(restored.snapshot)).toBe('active');
    expect(restored.notices).toEqual([{ kind: 'restored' }]);
    expect(isProtected(restored.snapshot)).toBe(true);
    expect(restored.snapshot.context).toMatchObject({
      hasEligibleLicense: true,
      cycle: 2,
      cycleStartedAt: T0 + 30 * S,
      graceStartedAt: null,
      graceEndsAt: null,
      suspendedAt: null,
      deletesAt: null,
      noticesSent: ['restored'],
    });
    expect(pendingAccountDeadlines(restored.snapshot)).toEqual([]);
  });

  test('R18: an eligible license restores an account in grace, and the next loss is a new cycle', () => {
    const restored = applyAccountEvent(inGrace().snapshot, licenses(true, T0 + 12 * S));
    expect(accountStateOf(restored.snapshot)).toBe('active');
    expect(restored.notices).toEqual([{ kind: 'restored' }]);

    const lostAgain = applyAccountEvent(restored.snapshot, licenses(false, T0 + 20 * S));
    expect(lostAgain.notices).toEqual([{ kind: 'grace_started' }]);
    expect(lostAgain.snapshot.context).toMatchObject({ cycle: 2, graceEndsAt: T0 + 34 * S });

    // The first cycle's grace timer is stale: it must not suspend the new grace early.
    expect(applyAccountEvent(lostAgain.snapshot, { type: 'grace.ended', at: T0 + 24 * S }).changed).toBe(false);
  });

  test('operator deletion works from every state short of deleted', () => {
    const snapshots = [start({ startInTrial: true }).snapshot, start().snapshot, inGrace().snapshot, suspended().snapshot];
    for (const snapshot of snapshots) {
      const deleted = applyAccountEvent(snapshot, { type: 'delete', at: T0 + 99 * S });
      expect(accountStateOf(deleted.snapshot)).toBe('deleted');
      expect(deleted.notices).toEqual([{ kind: 'deleted' }]);
      expect(deleted.snapshot.context.deletesAt).toBe(T0 + 99 * S);
      expect(snapshot.can({ type: 'delete', at: T0 + 99 * S })).toBe(true);
    }
    const deleted = applyAccountEvent(start().snapshot, { type: 'delete', at: T0 }).snapshot;
    expect(deleted.can({ type: 'delete', at: T0 })).toBe(false);
    expect(applyAccountEvent(deleted, licenses(true, T0 + S)).changed).toBe(false);
  });
});

describe('license facts', () => {
  test('repeated identical licenses.changed is a no-op', () => {
    const states = [start({ startInTrial: true }).snapshot, start().snapshot, inGrace().snapshot, suspended().snapshot];
    for (const snapshot of states) {
      const fact = snapshot.context.hasEligibleLicense;
      const once = applyAccountEvent(snapshot, licenses(fact, T0 + 60 * S));
      expect(once).toMatchObject({ changed: false, notices: [] });
      const twice = applyAccountEvent(once.snapshot, licenses(fact, T0 + 61 * S));
      expect(twice).toMatchObject({ changed: false, notices: [] });
      expect(twice.snapshot.context).toEqual(snapshot.context);
    }
  });

  test('a trial only records license facts; the last one decides at trial end', () => {
    const { snapshot } = start({ startInTrial: true, hasEligibleLicense: false });
    const a = apply(snapshot, licenses(true, T0 + S), licenses(false, T0 + 2 * S), licenses(true, T0 + 3 * S));
    const b = apply(snapshot, licenses(false, T0 + S), licenses(true, T0 + 2 * S));
    expect(accountStateOf(a.snapshot)).toBe('trial');
    expect(a.snapshot.context).toEqual(b.snapshot.context);
    const end: AccountEvent = { type: 'trial.ended', at: T0 + 30 * S };
    expect(accountStateOf(applyAccountEvent(a.snapshot, end).snapshot)).toBe('active');
  });
});

describe('schedule', () => {
  test('the timeline of a trial without licenses runs to deletion, computed by the machine', () => {
    const { snapshot } = start({ startInTrial: true, hasEligibleLicense: false });
    expect(accountTimeline(snapshot)).toEqual([
      { at: T0 + 30 * S, event: { type: 'trial.ended' }, from: 'trial', to: 'grace', notices: [{ kind: 'grace_started' }] },
      { at: T0 + 37 * S, event: { type: 'grace.halfway' }, from: 'grace', to: 'grace', notices: [{ kind: 'grace_halfway' }] },
      { at: T0 + 44 * S, event: { type: 'grace.ended' }, from: 'grace', to: 'suspended', notices: [{ kind: 'suspended' }] },
      { at: T0 + 60 * S, event: { type: 'deletion.notice_due' }, from: 'suspended', to: 'suspended', notices: [{ kind: 'deletion_warning' }] },
      { at: T0 + 74 * S, event: { type: 'retention.ended' }, from: 'suspended', to: 'deleted', notices: [{ kind: 'deleted' }] },
    ]);
  });

  test('an active account has nothing scheduled', () => {
    expect(accountTimeline(start().snapshot)).toEqual([]);
    expect(nextAccountDeadline(start().snapshot)).toBeUndefined();
  });

  test('a deletion warning that would fall before suspension began is skipped, deletion is not', () => {
    const tight: LifecyclePolicy = { ...policy, suspension: 'PT10S', deletionNotice: 'PT14S' };
    const grace = applyAccountEvent(start({ with: tight }).snapshot, licenses(false, T0)).snapshot;
    const { snapshot } = applyAccountEvent(grace, { type: 'grace.ended', at: T0 + 14 * S });
    expect(pendingAccountDeadlines(snapshot)).toEqual([{ event: { type: 'retention.ended' }, at: T0 + 24 * S }]);
  });

  test('a snapshot restored from its projection behaves as the live one', () => {
    const live = inGrace().snapshot;
    const persisted = JSON.parse(JSON.stringify({ value: live.value, context: live.context }));
    const restored = restoreAccount(persisted.value, persisted.context);
    expect(isProtected(restored)).toBe(true);
    expect(accountTimeline(restored)).toEqual(accountTimeline(live));
    const event: AccountEvent = { type: 'grace.halfway', at: T0 + 17 * S };
    expect(applyAccountEvent(restored, event).notices).toEqual(applyAccountEvent(live, event).notices);
    expect(restoreAccount('deleted', live.context).status).toBe('done');
  });
});

describe('seat allocation', () => {
  const license = (id: string, seats: number, expiresInDays: number, state = 'active'): LicenseSeats => ({
    id,
    state,
    seats,
    expiresAt: T0 + expiresInDays * DAY,
  });
  const account = (id: string, seatsRequested: number, createdDaysAgo: number): SeatRequest => ({
    id,
    seatsRequested,
    createdAt: T0 - createdDaysAgo * DAY,
  });

  test('R9: earliest-expiring license is used first; the rest is overage', () => {
    const result = allocateSeats([account('acc_1', 25, 1)], [license('lic_late', 10, 365), license('lic_soon', 10, 30)]);
    expect(result.perAccount['acc_1']).toEqual({
      allocations: [
        { licenseId: 'lic_soon', seats: 10 },
        { licenseId: 'lic_late', seats: 10 },
      ],
      allocated: 20,
      overage: 5,
    });
    expect(result.hasEligibleLicense).toBe(true);
  });

  test('R9: the oldest account is served first; a newer one takes what is left', () => {
    const result = allocateSeats([account('acc_new', 8, 1), account('acc_old', 8, 10)], [license('lic', 10, 30)]);
    expect(result.perAccount['acc_old']).toEqual({ allocations: [{ licenseId: 'lic', seats: 8 }], allocated: 8, overage: 0 });
    expect(result.perAccount['acc_new']).toEqual({ allocations: [{ licenseId: 'lic', seats: 2 }], allocated: 2, overage: 6 });
    expect(result.perLicense).toEqual({ lic: { used: 10, free: 0 } });
  });

  test('R9: suspended, deleted and empty licenses lend no seats and are not eligible', () => {
    const result = allocateSeats(
      [account('acc', 3, 1)],
      [license('lic_s', 10, 1, 'suspended'), license('lic_d', 10, 2, 'deleted'), license('lic_0', 0, 3)],
    );
    expect(result.hasEligibleLicense).toBe(false);
    expect(result.perAccount['acc']).toEqual({ allocations: [], allocated: 0, overage: 3 });
  });

  test('R9: trial and grace licenses lend seats', () => {
    const result = allocateSeats([account('acc', 3, 1)], [license('lic_t', 1, 1, 'trial'), license('lic_g', 5, 2, 'grace')]);
    expect(result.perAccount['acc']?.allocations).toEqual([
      { licenseId: 'lic_t', seats: 1 },
      { licenseId: 'lic_g', seats: 2 },
    ]);
  });

  test('R9: allocation is the same under every permutation of its inputs', () => {
    const accounts = [account('acc_b', 4, 5), account('acc_a', 4, 5), account('acc_c', 7, 9)];
    const lics = [license('lic_2', 5, 30), license('lic_1', 5, 30), license('lic_3', 3, 10), license('lic_x', 9, 1, 'suspended')];
    const expected = JSON.stringify(allocateSeats(accounts, lics));
    for (const a of permutations(accounts)) {
      for (const l of permutations(lics)) expect(JSON.stringify(allocateSeats(a, l))).toBe(expected);
    }
    // Oldest acc_c first from lic_3 (earliest), then ties broken by id: acc_a before acc_b, lic_1 before lic_2.
    expect(JSON.parse(expected).perAccount).toEqual({
      acc_c: { allocations: [{ licenseId: 'lic_3', seats: 3 }, { licenseId: 'lic_1', seats: 4 }], allocated: 7, overage: 0 },
      acc_a: { allocations: [{ licenseId: 'lic_1', seats: 1 }, { licenseId: 'lic_2', seats: 3 }], allocated: 4, overage: 0 },
      acc_b: { allocations: [{ licenseId: 'lic_2', seats: 2 }], allocated: 2, overage: 2 },
    });
  });

  test('R9: malformed input is refused, not guessed at', () => {
    expect(() => allocateSeats([account('a', 1, 1), account('a', 2, 2)], [])).toThrow(RangeError);
    expect(() => allocateSeats([account('a', -1, 1)], [])).toThrow(RangeError);
    expect(() => allocateSeats([], [license('l', 1.5, 1)])).toThrow(RangeError);
  });
});

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}
