// One workflow per license (`license:<id>`): it sleeps until the license's next deadline,
// lets the machine decide what that deadline means, writes it, and applies callers'
// operations in arrival order. Each renewal or resume opens a new cycle and continues as
// new, so a license that lives for years keeps a short history.
import type { UpdateDefinition } from '@temporalio/common';
import { continueAsNew, setHandler } from '@temporalio/workflow';
import type { Operation } from '../../machines/lifecycle/contract.js';
import type { LicenseLifecycleInput, LicenseView, RenewRequest } from '../../machines/license/contract.js';
import type { LicenseEvent } from '../../machines/license/index.js';
import { renewedExpiry } from '../../machines/license/renewal.js';
import { LicenseRecord } from './record.js';
import { deleteLicense, licenseRecorded, licenseState, renewedUpstream, renewLicense, resumeLicense, suspendLicense } from './messages.js';

export async function licenseLifecycle(input: LicenseLifecycleInput): Promise<void> {
  const license = new LicenseRecord(input);

  license.answerReads(licenseState, licenseRecorded);
  operation(renewLicense, (request, now) => renewal(license, request, now));
  operation(suspendLicense, (_request, at) => ({ type: 'suspend', at }));
  operation(resumeLicense, (_request, at) => ({ type: 'resume', at }));
  operation(deleteLicense, (_request, at) => ({ type: 'delete', at }));
  operation(renewedUpstream, ({ expiresAt, term }, at) => ({ type: 'upstream.renewed', expiresAt, ...(term ? { term } : {}), at }));

  await license.recordOpening();
  // Sleep to the next deadline (or an operation), let the machine decide, write; a new cycle continues as new.
  while (license.livesThisRun) await license.awaitNextEvent();
  await license.endRun((next) => continueAsNew<typeof licenseLifecycle>(next));

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
