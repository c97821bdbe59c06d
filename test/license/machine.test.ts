import { describe, expect, it } from 'vitest';
import { capabilitiesOf, type AccountType } from '../../machines/lifecycle/capabilities.js';
import { LicenseLifecycle, type LicenseEvent, type LicenseInput, type LicenseSnapshot } from '../../machines/license/index.js';
import { policyInSeconds } from '../support/policy-in-seconds.js';

const { apply: applyLicenseEvent, canApply, timeline: licenseTimeline, nextDeadline, pendingDeadlines, restore: restoreLicense, stateOf } = LicenseLifecycle;
const startLicense = (input: LicenseInput) => {
  const { snapshot, notices } = LicenseLifecycle.start(input);
  return [snapshot, notices] as const;
};
const s = (seconds: number) => seconds * 1000;
const T0 = Date.UTC(2025, 0, 1);

const policy = policyInSeconds({ trial: 'PT30S', grace: 'PT20S', suspension: 'PT30S', expiryNotices: ['PT10S', 'PT5S', 'PT1S'], deletionNotice: 'PT10S' });

function start(overrides: Partial<LicenseInput> = {}): LicenseSnapshot {
  const [snapshot] = startLicense({
    policy,
    accountType: 'msp',
    term: 'annual',
    issuedAt: T0,
    expiresAt: T0 + s(60),
    ...overrides,
  });
  return snapshot;
}

/** Applies events that must all be accepted, returning the last result. */
function apply(snapshot: LicenseSnapshot, ...events: LicenseEvent[]) {
  let result = { snapshot, notices: [] as { kind: string; offset?: string }[], changed: true };
  for (const event of events) {
    result = applyLicenseEvent(result.snapshot, event);
    expect(result.changed, `${event.type} in ${stateOf(snapshot)}`).toBe(true);
  }
  return result;
}

// Expiry at T0+60s, grace until +80s, suspended until +110s.
const toGrace = (snapshot: LicenseSnapshot) => apply(snapshot, { type: 'expiry.reached', at: T0 + s(60) }).snapshot;
const toSuspended = (snapshot: LicenseSnapshot) =>
  apply(toGrace(snapshot), { type: 'grace.ended', at: T0 + s(80) }).snapshot;
const toDeleted = (snapshot: LicenseSnapshot) =>
  apply(toSuspended(snapshot), { type: 'retention.ended', at: T0 + s(110) }).snapshot;

describe('license start', () => {
  it('R10: a trial term starts in trial, a paid term in active, both in cycle 1 without notices', () => {
    const [trial, trialNotices] = startLicense({ policy, accountType: null, term: 'trial', issuedAt: T0, expiresAt: T0 + s(30) });
    expect(stateOf(trial)).toBe('trial');
    expect(trialNotices).toEqual([]);
    expect(stateOf(start({ term: 'annual' }))).toBe('active');
    expect(stateOf(start({ term: 'monthly' }))).toBe('active');
    expect(trial.context).toMatchObject({
      cycle: 1,
      cycleStartedAt: T0,
      expiresAt: T0 + s(30),
      graceStartedAt: null,
      suspendedAt: null,
      noticesSent: [],
    });
  });
});

describe('license lifecycle by deadlines', () => {
  it('R11: grace still protects', () => {
    const trial = start({ term: 'trial' });
    const active = start();
    expect(trial.hasTag('protected')).toBe(true);
    expect(active.hasTag('protected')).toBe(true);
    expect(toGrace(active).hasTag('protected')).toBe(true);
    expect(toSuspended(active).hasTag('protected')).toBe(false);
    expect(toDeleted(active).hasTag('protected')).toBe(false);
  });

  it('R11: expiry starts grace at the expiry time and announces when it ends', () => {
    const result = apply(start(), { type: 'expiry.reached', at: T0 + s(61) });
    expect(stateOf(result.snapshot)).toBe('grace');
    expect(result.snapshot.context.graceStartedAt).toBe(T0 + s(60));
    expect(result.snapshot.context.graceEndsAt).toBe(T0 + s(80));
    expect(result.notices).toEqual([{ kind: 'grace_started' }]);
  });

  it('R11: a trial lapses into grace like a paid term', () => {
    const trial = start({ term: 'trial', expiresAt: T0 + s(30) });
    const result = apply(trial, { type: 'expiry.reached', at: T0 + s(30) });
    expect(stateOf(result.snapshot)).toBe('grace');
  });

  it('R12: grace ends in suspension, and suspended is deleted when suspension ends', () => {
    const suspended = apply(toGrace(start()), { type: 'grace.ended', at: T0 + s(80) });
    expect(stateOf(suspended.snapshot)).toBe('suspended');
    expect(suspended.notices).toEqual([{ kind: 'suspended' }]);
    expect(suspended.snapshot.context.suspendedAt).toBe(T0 + s(80));
    expect(suspended.snapshot.context.deletesAt).toBe(T0 + s(110));

    const warned = apply(suspended.snapshot, { type: 'deletion.notice_due', at: T0 + s(100) });
    expect(warned.notices).toEqual([{ kind: 'deletion_warning' }]);

    const deleted = apply(warned.snapshot, { type: 'retention.ended', at: T0 + s(110) });
    expect(stateOf(deleted.snapshot)).toBe('deleted');
    expect(deleted.snapshot.status).toBe('done');
    expect(deleted.notices).toEqual([{ kind: 'deleted' }]);
  });

  it('expiring and grace halfway notices go out without changing state', () => {
    const expiring = apply(start(), { type: 'expiry.notice_due', offset: 'PT10S', at: T0 + s(50) });
    expect(stateOf(expiring.snapshot)).toBe('active');
    expect(expiring.notices).toEqual([{ kind: 'expiring', offset: 'PT10S' }]);
    expect(expiring.snapshot.context.noticesSent).toEqual(['expiring:PT10S']);

    const halfway = apply(toGrace(start()), { type: 'grace.halfway', at: T0 + s(70) });
    expect(stateOf(halfway.snapshot)).toBe('grace');
    expect(halfway.notices).toEqual([{ kind: 'grace_halfway' }]);
  });

  it('R19: a notice deadline that fires twice in a cycle is sent once', () => {
    const event = { type: 'expiry.notice_due', offset: 'PT5S', at: T0 + s(55) } as const;
    const once = apply(start(), event);
    const twice = applyLicenseEvent(once.snapshot, event);
    expect(twice.changed).toBe(false);
    expect(twice.notices).toEqual([]);
    expect(twice.snapshot.context.noticesSent).toEqual(['expiring:PT5S']);
  });

  it('a deadline event outside its state is ignored', () => {
    expect(applyLicenseEvent(start(), { type: 'retention.ended', at: T0 }).changed).toBe(false);
    expect(applyLicenseEvent(start(), { type: 'grace.ended', at: T0 }).changed).toBe(false);
    expect(applyLicenseEvent(toSuspended(start()), { type: 'expiry.reached', at: T0 + s(90) }).changed).toBe(false);
    const deleted = toDeleted(start());
    const ignored = applyLicenseEvent(deleted, { type: 'retention.ended', at: T0 + s(200) });
    expect(ignored).toEqual({ snapshot: deleted, notices: [], changed: false });
  });
});

describe('license operations', () => {
  const renewal = { type: 'renew', expiresAt: T0 + s(1000), at: T0 + s(90) } as const;
  const inEveryLiveState = {
    trial: start({ term: 'trial' }),
    active: start(),
    grace: toGrace(start()),
    suspended: toSuspended(start()),
  };

  it.each(Object.entries(inEveryLiveState))('renew is legal in %s and leads to active', (_, snapshot) => {
    expect(canApply(snapshot, renewal)).toBe(true);
    const renewed = apply(snapshot, renewal).snapshot;
    expect(stateOf(renewed)).toBe('active');
    expect(renewed.context.expiresAt).toBe(T0 + s(1000));
  });

  it('renew is illegal in deleted', () => {
    const deleted = toDeleted(start());
    expect(canApply(deleted, renewal)).toBe(false);
    expect(applyLicenseEvent(deleted, renewal).changed).toBe(false);
  });

  it('renew is refused when the new expiry is not in the future', () => {
    const stale = { type: 'renew', expiresAt: T0 + s(90), at: T0 + s(90) } as const;
    expect(canApply(toGrace(start()), stale)).toBe(false);
    expect(applyLicenseEvent(toGrace(start()), stale).changed).toBe(false);
  });

  it('renew from grace notifies restored and resets noticesSent and increments cycle', () => {
    const grace = apply(
      start(),
      { type: 'expiry.notice_due', offset: 'PT10S', at: T0 + s(50) },
      { type: 'expiry.reached', at: T0 + s(60) },
      { type: 'grace.halfway', at: T0 + s(70) },
    ).snapshot;
    expect(grace.context.noticesSent).toEqual(['expiring:PT10S', 'grace_started', 'grace_halfway']);

    const renewed = apply(grace, { type: 'renew', expiresAt: T0 + s(200), at: T0 + s(75) });
    expect(renewed.notices).toEqual([{ kind: 'restored' }]);
    expect(renewed.snapshot.context).toMatchObject({
      cycle: 2,
      cycleStartedAt: T0 + s(75),
      expiresAt: T0 + s(200),
      noticesSent: ['restored'],
      graceStartedAt: null,
      graceEndsAt: null,
      suspendedAt: null,
      deletesAt: null,
    });
  });

  it('renew from suspended notifies restored; renew of a protected license does not', () => {
    expect(apply(toSuspended(start()), renewal).notices).toEqual([{ kind: 'restored' }]);
    expect(apply(start(), renewal).notices).toEqual([]);
    expect(apply(start({ term: 'trial' }), renewal).notices).toEqual([]);
  });

  it.each(['trial', 'active', 'grace'] as const)('manual suspend from %s starts suspension now', (state) => {
    const suspended = apply(inEveryLiveState[state], { type: 'suspend', at: T0 + s(65) });
    expect(stateOf(suspended.snapshot)).toBe('suspended');
    expect(suspended.snapshot.context.suspendedAt).toBe(T0 + s(65));
    expect(suspended.snapshot.context.deletesAt).toBe(T0 + s(95));
    expect(suspended.notices).toEqual([{ kind: 'suspended' }]);
  });

  it('a suspended license cannot be suspended again', () => {
    expect(canApply(toSuspended(start()), { type: 'suspend', at: T0 + s(90) })).toBe(false);
  });

  it('resume before expiry restores to active in a new cycle', () => {
    const suspended = apply(start(), { type: 'suspend', at: T0 + s(20) }).snapshot;
    const resumed = apply(suspended, { type: 'resume', at: T0 + s(30) });
    expect(stateOf(resumed.snapshot)).toBe('active');
    expect(resumed.notices).toEqual([{ kind: 'restored' }]);
    expect(resumed.snapshot.context).toMatchObject({ cycle: 2, cycleStartedAt: T0 + s(30), suspendedAt: null, deletesAt: null });
  });

  it('resume of an expired license goes to grace, with a fresh grace period from now', () => {
    const resumed = apply(toSuspended(start()), { type: 'resume', at: T0 + s(90) });
    expect(stateOf(resumed.snapshot)).toBe('grace');
    expect(resumed.notices).toEqual([{ kind: 'grace_started' }]);
    expect(resumed.snapshot.context).toMatchObject({
      cycle: 2,
      graceStartedAt: T0 + s(90),
      graceEndsAt: T0 + s(110),
      suspendedAt: null,
      deletesAt: null,
    });
  });

  it('resume is legal only in suspended', () => {
    expect(canApply(start(), { type: 'resume', at: T0 })).toBe(false);
    expect(canApply(toGrace(start()), { type: 'resume', at: T0 + s(60) })).toBe(false);
    expect(canApply(toDeleted(start()), { type: 'resume', at: T0 + s(200) })).toBe(false);
  });

  it('a second suspension after resume notifies again', () => {
    const first = apply(start(), { type: 'suspend', at: T0 + s(10) });
    const resumed = apply(first.snapshot, { type: 'resume', at: T0 + s(20) });
    const second = apply(resumed.snapshot, { type: 'suspend', at: T0 + s(30) });
    expect(first.notices).toEqual([{ kind: 'suspended' }]);
    expect(second.notices).toEqual([{ kind: 'suspended' }]);
    expect(second.snapshot.context.cycle).toBe(2);
  });
});

describe('R13: operations depend on the account type the license came from', () => {
  const deletion = { type: 'delete', at: T0 + s(1) } as const;
  const renew = { type: 'renew', expiresAt: T0 + s(500), at: T0 + s(1) } as const;

  it('R13: a license from an msp source cannot be deleted, one from clp can', () => {
    expect(canApply(start({ accountType: 'msp' }), deletion)).toBe(false);
    expect(applyLicenseEvent(start({ accountType: 'msp' }), deletion).changed).toBe(false);

    const deleted = apply(start({ accountType: 'clp' }), deletion);
    expect(stateOf(deleted.snapshot)).toBe('deleted');
    expect(deleted.notices).toEqual([{ kind: 'deleted' }]);
  });

  it('R13: a license from a customer portal is renewed upstream, not here', () => {
    expect(canApply(start({ accountType: 'business' }), renew)).toBe(false);
    expect(canApply(start({ accountType: 'managed_msp' }), renew)).toBe(true);
  });

  it('R13: a license created through the API may be renewed and deleted', () => {
    expect(canApply(start({ accountType: null }), renew)).toBe(true);
    expect(canApply(start({ accountType: null }), deletion)).toBe(true);
  });

  it.each(['trial', 'grace', 'suspended'] as const)('delete is legal in %s for a deletable license', (state) => {
    const snapshots = {
      trial: start({ accountType: 'clp', term: 'trial' }),
      grace: toGrace(start({ accountType: 'clp' })),
      suspended: toSuspended(start({ accountType: 'clp' })),
    };
    expect(stateOf(apply(snapshots[state], { type: 'delete', at: T0 + s(90) }).snapshot)).toBe('deleted');
  });

  it('R13: capabilities are one row per account type', () => {
    const partner: AccountType[] = ['lmp', 'msp', 'managed_msp', 'msp_manager'];
    const customer: AccountType[] = ['clp', 'business'];
    for (const type of partner) {
      expect(capabilitiesOf(type)).toEqual({
        renew: true,
        assignSeats: true,
        deleteCompany: false,
        deleteProduct: false,
        editProductDescription: false,
        registration: 'service_plan',
      });
    }
    for (const type of customer) {
      expect(capabilitiesOf(type)).toEqual({
        renew: false,
        assignSeats: false,
        deleteCompany: true,
        deleteProduct: true,
        editProductDescription: true,
        registration: 'authorization_key',
      });
    }
    expect(capabilitiesOf(null)).toMatchObject({
      renew: true,
      assignSeats: true,
      deleteCompany: true,
      deleteProduct: true,
      editProductDescription: true,
    });
  });
});

describe('license deadlines', () => {
  it('pending deadlines of an active license are its expiry notices, then expiry, earliest first', () => {
    expect(pendingDeadlines(start())).toEqual([
      { event: { type: 'expiry.notice_due', offset: 'PT10S' }, at: T0 + s(50) },
      { event: { type: 'expiry.notice_due', offset: 'PT5S' }, at: T0 + s(55) },
      { event: { type: 'expiry.notice_due', offset: 'PT1S' }, at: T0 + s(59) },
      { event: { type: 'expiry.reached' }, at: T0 + s(60) },
    ]);
  });

  it('notices already sent are not scheduled again', () => {
    const sent = apply(start(), { type: 'expiry.notice_due', offset: 'PT5S', at: T0 + s(55) }).snapshot;
    expect(pendingDeadlines(sent).map((d) => d.event)).toEqual([
      { type: 'expiry.notice_due', offset: 'PT10S' },
      { type: 'expiry.notice_due', offset: 'PT1S' },
      { type: 'expiry.reached' },
    ]);
  });

  it('notices skipped before cycle start: a license issued 3 s before expiry gets only the 1 s notice', () => {
    const late = start({ issuedAt: T0 + s(57) });
    expect(pendingDeadlines(late)).toEqual([
      { event: { type: 'expiry.notice_due', offset: 'PT1S' }, at: T0 + s(59) },
      { event: { type: 'expiry.reached' }, at: T0 + s(60) },
    ]);
  });

  it('after a resume, expiry notices that fell before the new cycle are not sent', () => {
    const suspended = apply(start(), { type: 'suspend', at: T0 + s(10) }).snapshot;
    const resumed = apply(suspended, { type: 'resume', at: T0 + s(52) }).snapshot;
    expect(pendingDeadlines(resumed).map((d) => d.at)).toEqual([T0 + s(55), T0 + s(59), T0 + s(60)]);
  });

  it('grace schedules its halfway reminder and its end', () => {
    expect(pendingDeadlines(toGrace(start()))).toEqual([
      { event: { type: 'grace.halfway' }, at: T0 + s(70) },
      { event: { type: 'grace.ended' }, at: T0 + s(80) },
    ]);
    const reminded = apply(toGrace(start()), { type: 'grace.halfway', at: T0 + s(70) }).snapshot;
    expect(pendingDeadlines(reminded)).toEqual([{ event: { type: 'grace.ended' }, at: T0 + s(80) }]);
  });

  it('suspended schedules the deletion warning and deletion; deleted schedules nothing', () => {
    expect(pendingDeadlines(toSuspended(start()))).toEqual([
      { event: { type: 'deletion.notice_due' }, at: T0 + s(100) },
      { event: { type: 'retention.ended' }, at: T0 + s(110) },
    ]);
    expect(pendingDeadlines(toDeleted(start()))).toEqual([]);
    expect(nextDeadline(toDeleted(start()))).toBeUndefined();
  });

  it('a deadline in the past is still due, so downtime never skips a transition', () => {
    // T0 is in 2025: every deadline of this license is long past, and none is dropped for it.
    const overdue = start({ issuedAt: T0, expiresAt: T0 + s(60) });
    expect(nextDeadline(overdue)).toEqual({ event: { type: 'expiry.notice_due', offset: 'PT10S' }, at: T0 + s(50) });
  });

  it('timeline order and times for a policy in seconds', () => {
    expect(licenseTimeline(start())).toEqual([
      { at: T0 + s(50), event: { type: 'expiry.notice_due', offset: 'PT10S' }, from: 'active', to: 'active', notices: [{ kind: 'expiring', offset: 'PT10S' }] },
      { at: T0 + s(55), event: { type: 'expiry.notice_due', offset: 'PT5S' }, from: 'active', to: 'active', notices: [{ kind: 'expiring', offset: 'PT5S' }] },
      { at: T0 + s(59), event: { type: 'expiry.notice_due', offset: 'PT1S' }, from: 'active', to: 'active', notices: [{ kind: 'expiring', offset: 'PT1S' }] },
      { at: T0 + s(60), event: { type: 'expiry.reached' }, from: 'active', to: 'grace', notices: [{ kind: 'grace_started' }] },
      { at: T0 + s(70), event: { type: 'grace.halfway' }, from: 'grace', to: 'grace', notices: [{ kind: 'grace_halfway' }] },
      { at: T0 + s(80), event: { type: 'grace.ended' }, from: 'grace', to: 'suspended', notices: [{ kind: 'suspended' }] },
      { at: T0 + s(100), event: { type: 'deletion.notice_due' }, from: 'suspended', to: 'suspended', notices: [{ kind: 'deletion_warning' }] },
      { at: T0 + s(110), event: { type: 'retention.ended' }, from: 'suspended', to: 'deleted', notices: [{ kind: 'deleted' }] },
    ]);
  });

  it('timeline starts from where the license is and does not change it', () => {
    const grace = toGrace(start());
    expect(licenseTimeline(grace).map((entry) => [entry.event.type, entry.at])).toEqual([
      ['grace.halfway', T0 + s(70)],
      ['grace.ended', T0 + s(80)],
      ['deletion.notice_due', T0 + s(100)],
      ['retention.ended', T0 + s(110)],
    ]);
    expect(stateOf(grace)).toBe('grace');
    expect(grace.context.noticesSent).toEqual(['grace_started']);
    expect(licenseTimeline(toDeleted(start()))).toEqual([]);
  });
});

describe('one dialect: deadlines apply only once due (DESIGN §4)', () => {
  it('a timer that fires before its instant is ignored, so a period is never cut short', () => {
    expect(applyLicenseEvent(start(), { type: 'expiry.reached', at: T0 + s(59) }).changed).toBe(false);
    expect(applyLicenseEvent(start(), { type: 'expiry.notice_due', offset: 'PT1S', at: T0 + s(58) }).changed).toBe(false);
    expect(applyLicenseEvent(toGrace(start()), { type: 'grace.ended', at: T0 + s(79) }).changed).toBe(false);
    expect(applyLicenseEvent(toSuspended(start()), { type: 'retention.ended', at: T0 + s(109) }).changed).toBe(false);
  });

  it('an expiry deadline queued behind a renewal no longer applies to the renewed term', () => {
    const renewed = apply(start(), { type: 'renew', expiresAt: T0 + s(500), at: T0 + s(59) }).snapshot;
    const stale = applyLicenseEvent(renewed, { type: 'expiry.reached', at: T0 + s(60) });
    expect(stale.changed).toBe(false);
    expect(stateOf(stale.snapshot)).toBe('active');
  });
});

describe('R10, M5: trials', () => {
  it('R10: a trial issued without an expiry lasts the policy\'s trial, computed by the machine', () => {
    const [trial] = startLicense({ policy, accountType: null, term: 'trial', issuedAt: T0, expiresAt: null });
    expect(trial.context.expiresAt).toBe(T0 + s(30));
  });

  it('M5: a renewed trial becomes the paid term it was renewed into, annual unless monthly is named', () => {
    const trial = start({ term: 'trial' });
    expect(apply(trial, { type: 'renew', expiresAt: T0 + s(500), at: T0 + s(10) }).snapshot.context.term).toBe('annual');
    expect(apply(trial, { type: 'renew', expiresAt: T0 + s(500), term: 'monthly', at: T0 + s(10) }).snapshot.context.term).toBe('monthly');
    expect(apply(start({ term: 'monthly' }), { type: 'renew', expiresAt: T0 + s(500), term: 'annual', at: T0 + s(10) }).snapshot.context.term).toBe('monthly');
  });
});

describe('license snapshots rebuilt from a projection', () => {
  it('a snapshot restored from its stored state and context behaves like the original', () => {
    const original = apply(toGrace(start()), { type: 'grace.halfway', at: T0 + s(70) }).snapshot;
    const stored = JSON.parse(JSON.stringify({ state: stateOf(original), context: original.context }));
    const restored = restoreLicense(stored.state, stored.context);
    expect(stateOf(restored)).toBe('grace');
    expect(restored.hasTag('protected')).toBe(true);
    expect(pendingDeadlines(restored)).toEqual(pendingDeadlines(original));
    expect(licenseTimeline(restored)).toEqual(licenseTimeline(original));
  });

  it('a restored deleted license is final: nothing applies', () => {
    const deleted = restoreLicense('deleted', toDeleted(start()).context);
    expect(deleted.status).toBe('done');
    expect(canApply(deleted, { type: 'renew', expiresAt: T0 + s(1000), at: T0 + s(200) })).toBe(false);
    expect(canApply(deleted, { type: 'delete', at: T0 + s(200) })).toBe(false);
  });
});
