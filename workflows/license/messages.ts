// What the license workflow accepts and answers. The API imports these definitions, never strings.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Operation } from '../../machines/lifecycle/contract.js';
import type { LicenseView, RenewRequest, UpstreamRenewal } from '../../machines/license/contract.js';

export const renewLicense = defineUpdate<LicenseView, [RenewRequest]>('renew');
/** Sent by a sync, never by the API: R13 does not stop what the vendor already did. */
export const renewedUpstream = defineUpdate<LicenseView, [UpstreamRenewal]>('renewedUpstream');
export const suspendLicense = defineUpdate<LicenseView, [Operation]>('suspend');
export const resumeLicense = defineUpdate<LicenseView, [Operation]>('resume');
export const deleteLicense = defineUpdate<LicenseView, [Operation]>('delete');
/** Answers once the license's first state is written, so the caller of issue reads its own write. */
export const licenseRecorded = defineUpdate<LicenseView>('recorded');
export const licenseState = defineQuery<LicenseView>('state');
