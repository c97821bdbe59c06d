// What the billing and summary workflows accept and answer. The API imports these definitions, never strings.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { BillingScheduleView } from '../../machines/billing/contract.js';

/** Sent when a company's or the partner's billing settings are saved: the schedule is planned again. */
export const billingSettingsSaved = defineSignal('billingSettingsSaved');
export const billingScheduleState = defineQuery<BillingScheduleView>('billingState');
/** Sent when a company's summary settings are saved. */
export const summarySettingsSaved = defineSignal('summarySettingsSaved');
