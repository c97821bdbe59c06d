// What a partner and each of its companies set up for ConnectWise Manage billing (DESIGN §6,
// seed 001): the words the API, the activities and the workflows share for them.
import type { BillingSchedule } from './billing-dates.js';

/** Seats licensed bills what was sold; seats used bills what is deployed. */
export const quantityBases = ['seats_licensed', 'seats_used'] as const;
export type QuantityBasis = (typeof quantityBases)[number];

/** `general`: the partner-wide billing day and hour; `custom`: the company's own (seed 001). */
export const settingsModes = ['general', 'custom'] as const;
export type SettingsMode = (typeof settingsModes)[number];

/** One product billed on one ConnectWise agreement addition, chosen from what ConnectWise lists. */
export interface AdditionMapping {
  product: string;
  agreementId: number;
  additionId: number;
}

/** The partner-wide ("general") part that applies to every company using general settings. */
export interface PartnerBillingDefaults {
  billingDay: number;
  billingHour: number;
  /** The partner's IANA time zone: every company's billing instant is on this wall clock. */
  timeZone: string;
}

/** A company's settings as saved, without secrets (those are the partner's). */
export interface CompanyBillingSettings {
  enabled: boolean;
  /** The ConnectWise company identifier, verified against ConnectWise when saved. */
  identifier: string;
  /** ConnectWise's numeric id of that company, found by the verification. */
  connectWiseCompanyId: number;
  settings: SettingsMode;
  /** Used with custom settings only; general settings take the partner's. */
  billingDay: number | null;
  billingHour: number | null;
  quantityBasis: QuantityBasis;
  mappings: AdditionMapping[];
  /** Products whose quantities are pushed; a mapped product left out is not pushed. */
  productsIncluded: string[];
  /** A push that sets a quantity to 0 is refused unless this is true: it usually means a wrong count. */
  allowZeroQuantity: boolean;
}

/** When this company is billed: its own day and hour with custom settings, the partner's otherwise. */
export function billingScheduleOf(company: CompanyBillingSettings, partner: PartnerBillingDefaults): BillingSchedule {
  const custom = company.settings === 'custom';
  return {
    day: (custom ? company.billingDay : null) ?? partner.billingDay,
    hour: (custom ? company.billingHour : null) ?? partner.billingHour,
    timeZone: partner.timeZone,
  };
}
