// One workflow per license (`license:<id>`): it sleeps until the license's next deadline,
// lets the machine decide what that deadline means, and applies callers' operations in
// arrival order. Each renewal or resume opens a new cycle and continues as new, so a
// license that lives for years keeps a short history.
import { condition, continueAsNew, setHandler } from '@temporalio/workflow';
import { canApply, type LicenseEvent } from '../../machines/license/index.js';
import { renewedExpiry } from '../../machines/license/renewal.js';
import { workflowTime } from '../lifecycle/clock.js';
import { liveCycle } from '../lifecycle/cycle.js';
import { LicenseRecord, refusal } from './record.js';
import { cancelLicense, licenseRecorded, licenseState, renewLicense, resumeLicense, suspendLicense } from './messages.js';
import { type LicenseLifecycleInput, type RenewRequest } from '../../machines/license/contract.js';

export async function licenseLifecycle(input: LicenseLifecycleInput): Promise<void> {
  const license = LicenseRecord.open(input);

  setHandler(licenseState, () => license.view());
  setHandler(licenseRecorded, async () => {
    await condition(() => license.revision > 0);
    return license.view();
  });
  setHandler(renewLicense, (request) => license.operate(request.actor, (now) => renewal(license, request, now)), {
    validator: (request) => assertLegal(license, renewal(license, request, workflowTime())),
  });
  setHandler(suspendLicense, (request) => license.operate(request.actor, (at) => ({ type: 'suspend', at })), {
    validator: (_request) => assertLegal(license, { type: 'suspend', at: workflowTime() }),
  });
  setHandler(resumeLicense, (request) => license.operate(request.actor, (at) => ({ type: 'resume', at })), {
    validator: (_request) => assertLegal(license, { type: 'resume', at: workflowTime() }),
  });
  setHandler(cancelLicense, (request) => license.operate(request.actor, (at) => ({ type: 'cancel', at })), {
    validator: (_request) => assertLegal(license, { type: 'cancel', at: workflowTime() }),
  });

  await license.recordOpening();
  await liveCycle(license, (policy) => continueAsNew<typeof licenseLifecycle>({ license: input.license, policy, carryOver: license.carryOver() }));
}

function renewal(license: LicenseRecord, request: RenewRequest, now: number): LicenseEvent {
  return { type: 'renew', expiresAt: renewedExpiry(request.terms, license.expiresAt, now), at: now };
}

/** Update validators run synchronously and reject before anything is written to history. */
function assertLegal(license: LicenseRecord, event: LicenseEvent): void {
  if (!canApply(license.snapshot, event)) throw refusal(event.type, license.state);
}
