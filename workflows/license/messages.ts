// What the license workflow accepts and answers. The API imports these definitions, never strings.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Operation } from '../../machines/lifecycle/contract.js';
import type { LicenseView, RenewRequest } from '../../machines/license/contract.js';

export const renewLicense = defineUpdate<LicenseView, [RenewRequest]>('renew');
export const suspendLicense = defineUpdate<LicenseView, [Operation]>('suspend');
export const resumeLicense = defineUpdate<LicenseView, [Operation]>('resume');
export const deleteLicense = defineUpdate<LicenseView, [Operation]>('delete');
/** Answers once the license's first state is written, so the caller of issue reads its own write. */
export const licenseRecorded = defineUpdate<LicenseView>('recorded');
export const licenseState = defineQuery<LicenseView>('state');
