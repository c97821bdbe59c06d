// The license lifecycle: the machine, its deadlines, and what workflow and API do with them.
import { defineLifecycle } from '../lifecycle/lifecycle.js';
import { licenseMachine, type LicenseEvent, type LicenseInput, type LicenseScheduledEvent, type LicenseSnapshot, type LicenseState } from './machine.js';
import { pendingLicenseDeadlines } from './schedule.js';

export * from './machine.js';
export { pendingLicenseDeadlines } from './schedule.js';

export const LicenseLifecycle = defineLifecycle<{
  snapshot: LicenseSnapshot;
  state: LicenseState;
  event: LicenseEvent;
  input: LicenseInput;
  scheduled: LicenseScheduledEvent;
}>(licenseMachine, {
  subject: 'license',
  pendingDeadlines: pendingLicenseDeadlines,
});
