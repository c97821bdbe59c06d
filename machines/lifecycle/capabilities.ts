// R13 as data: which operations a license allows, by the type of the upstream account it came from.
// Where each row is enforced:
// - renew, deleteProduct: guards of the license machine (machines/license/machine.ts).
// - assignSeats: the seat allocation rule (machines/account/allocation.ts): such a license lends no seats.
// - deleteCompany: Tenure has no way to delete a company (no `DELETE /v1/companies/:id`), so nothing
//   can break the row yet; a deletion endpoint must ask `capabilitiesOf` for every license of the company.
// - editProductDescription: Tenure keeps no product description (a product is a code), so there is
//   nothing to edit; the row records the upstream rule for when one is kept.
// - registration: how the upstream registers a product; informative, Tenure registers nothing.

/** Upstream account types. Partner platforms: lmp, msp, managed_msp, msp_manager; customer portals: clp, business. */
export type AccountType = 'lmp' | 'msp' | 'managed_msp' | 'msp_manager' | 'clp' | 'business';

export interface Capabilities {
  renew: boolean;
  assignSeats: boolean;
  deleteCompany: boolean;
  deleteProduct: boolean;
  editProductDescription: boolean;
  /** How a product gets registered: automatically by service plan, or with an authorization key. */
  registration: 'service_plan' | 'authorization_key';
}

/** On a partner platform the partner renews and assigns seats; the vendor owns companies and products. */
const partnerPlatform: Capabilities = {
  renew: true,
  assignSeats: true,
  deleteCompany: false,
  deleteProduct: false,
  editProductDescription: false,
  registration: 'service_plan',
};

/** On a customer portal the customer renews upstream, but owns its companies and products. */
const customerPortal: Capabilities = {
  renew: false,
  assignSeats: false,
  deleteCompany: true,
  deleteProduct: true,
  editProductDescription: true,
  registration: 'authorization_key',
};

export const capabilitiesByAccountType: Readonly<Record<AccountType, Readonly<Capabilities>>> = {
  lmp: partnerPlatform,
  msp: partnerPlatform,
  managed_msp: partnerPlatform,
  msp_manager: partnerPlatform,
  clp: customerPortal,
  business: customerPortal,
};

/** A license created through the API has no upstream to defer to, so Tenure may do everything with it. */
const apiCreated: Capabilities = {
  renew: true,
  assignSeats: true,
  deleteCompany: true,
  deleteProduct: true,
  editProductDescription: true,
  registration: 'service_plan',
};

/** Capabilities of a license whose source has this account type; `null` means created through the API. */
export function capabilitiesOf(accountType: AccountType | null): Readonly<Capabilities> {
  return accountType === null ? apiCreated : capabilitiesByAccountType[accountType];
}
