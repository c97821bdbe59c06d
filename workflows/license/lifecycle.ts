// One workflow per license (`license:<id>`): it sleeps until the license's next deadline,
// lets the machine decide what that deadline means, writes it, and applies callers'
// operations in arrival order. Each renewal or resume opens a new cycle and continues as
// new, so a license that lives for years keeps a short history.
import type { UpdateDefinition } from '@temporalio/common';
import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { LicenseActivities } from '../../activities/license/record.js';
import type { Operation } from '../../machines/lifecycle/contract.js';
import type { LicenseLifecycleInput, LicenseView, RenewRequest } from '../../machines/license/contract.js';
import type { LicenseEvent } from '../../machines/license/index.js';
import { renewedExpiry } from '../../machines/license/renewal.js';
import { factsChanged } from '../lifecycle/messages.js';
import { RECORDING_ACTIVITY_OPTIONS } from '../lifecycle/transition.js';
import { LicenseRecord } from './record.js';
import { deleteLicense, licenseRecorded, licenseState, renewLicense, resumeLicense, suspendLicense } from './messages.js';

const { loadPolicy } = proxyActivities<LicenseActivities>(RECORDING_ACTIVITY_OPTIONS);

export async function licenseLifecycle(input: LicenseLifecycleInput): Promise<void> {
  const license = new LicenseRecord(input);

  setHandler(licenseState, () => license.view());
  setHandler(licenseRecorded, async () => {
    await condition(() => license.opened);
    return license.view();
  });
  setHandler(factsChanged, (change) => license.changeFacts(change));
  operation(renewLicense, (request, now) => renewal(license, request, now));
  operation(suspendLicense, (_request, at) => ({ type: 'suspend', at }));
  operation(resumeLicense, (_request, at) => ({ type: 'resume', at }));
  operation(deleteLicense, (_request, at) => ({ type: 'delete', at }));

  await license.recordOpening();
  while (!license.isDeleted && !license.cycleEnded && !workflowInfo().continueAsNewSuggested) {
    await license.awaitNextEvent();
  }
  if (license.isDeleted) return condition(allHandlersFinished);
  const policy = await loadPolicy(license.policySubject);
  await condition(allHandlersFinished);
  await continueAsNew<typeof licenseLifecycle>(license.nextRun(policy));

  /** An operation is validated by the machine on arrival, then applied in arrival order. */
  function operation<Request extends Operation>(update: UpdateDefinition<LicenseView, [Request]>, eventOf: (request: Request, now: number) => LicenseEvent): void {
    setHandler(update, (request) => license.operate(request.actor, (now) => eventOf(request, now)), {
      validator: (request) => license.assertLegal((now) => eventOf(request, now)),
    });
  }
}

function renewal(license: LicenseRecord, request: RenewRequest, now: number): LicenseEvent {
  return { type: 'renew', expiresAt: renewedExpiry(request.terms, license.expiresAt, now), ...(request.term ? { term: request.term } : {}), at: now };
}
