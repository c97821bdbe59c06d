// R9: the engine, not the caller, decides which license each of an account's seats uses,
// within one company's license group for one product (seed 004: "groupes de licences").
//
// The rule:
// - Eligible licenses are those that protect (trial, active, grace: R11) with at least one seat; the others
//   (suspended, deleted, …) protect no one and lend no seats.
// - A license whose account type may not assign seats (a customer portal, `clp`/`business`: R13) lends
//   none either: the customer assigns those seats upstream, not the partner through Tenure.
// - Licenses are drawn earliest-expiring first (ties by id), so capacity about to lapse is
//   used before capacity that lasts, and a lapse frees as few seats as possible.
// - Accounts are served oldest first (ties by id): an account never loses seats because a
//   newer one was created.
// - An account takes seats from as many licenses as it needs; what no license can cover is
//   overage — reported, never dropped, so usage and billing see it.
// Both orders are total, so the result is the same whatever order the inputs come in.
import { capabilitiesOf, type AccountType } from '../lifecycle/capabilities.js';
import { protectingLicenseStates } from '../lifecycle/states.js';

export interface SeatRequest {
  id: string;
  seatsRequested: number;
  createdAt: number;
}

export interface LicenseSeats {
  id: string;
  /** The license's lifecycle state (machines/license); only trial, active and grace lend seats. */
  state: string;
  seats: number;
  expiresAt: number;
  /** The upstream account type it came from (R13); absent or null: issued through the API, so it may lend seats. */
  accountType?: AccountType | null;
}

export interface SeatAllocation {
  licenseId: string;
  seats: number;
}

export interface AccountAllocation {
  allocations: SeatAllocation[];
  allocated: number;
  overage: number;
}

export interface LicenseUsage {
  used: number;
  free: number;
}

export interface GroupAllocation {
  /** Keyed by account id, oldest account first. */
  perAccount: Record<string, AccountAllocation>;
  /** Seats used and left on each eligible license, earliest-expiring first. */
  perLicense: Record<string, LicenseUsage>;
  /** The fact sent to every account of the group as `licenses.changed`. */
  hasEligibleLicense: boolean;
}


export function isEligibleLicense(license: LicenseSeats): boolean {
  return (
    (protectingLicenseStates as readonly string[]).includes(license.state) &&
    license.seats > 0 &&
    capabilitiesOf(license.accountType ?? null).assignSeats
  );
}

export function allocateSeats(accounts: readonly SeatRequest[], licenses: readonly LicenseSeats[]): GroupAllocation {
  assertUniqueIds('account', accounts);
  assertUniqueIds('license', licenses);
  for (const account of accounts) assertSeatCount(`account ${account.id} seatsRequested`, account.seatsRequested);
  for (const license of licenses) assertSeatCount(`license ${license.id} seats`, license.seats);

  const pool = licenses
    .filter(isEligibleLicense)
    .sort((a, b) => a.expiresAt - b.expiresAt || compareIds(a.id, b.id))
    .map((license) => ({ id: license.id, seats: license.seats, free: license.seats }));
  const queue = [...accounts].sort((a, b) => a.createdAt - b.createdAt || compareIds(a.id, b.id));

  const perAccount: [string, AccountAllocation][] = [];
  for (const account of queue) {
    const allocations: SeatAllocation[] = [];
    let wanted = account.seatsRequested;
    for (const license of pool) {
      if (wanted === 0) break;
      const taken = Math.min(wanted, license.free);
      if (taken === 0) continue;
      license.free -= taken;
      wanted -= taken;
      allocations.push({ licenseId: license.id, seats: taken });
    }
    const allocated = account.seatsRequested - wanted;
    perAccount.push([account.id, { allocations, allocated, overage: wanted }]);
  }

  const perLicense = pool.map((license): [string, LicenseUsage] => [
    license.id,
    { used: license.seats - license.free, free: license.free },
  ]);

  // fromEntries, not indexed assignment: an id such as "__proto__" stays an ordinary key.
  return {
    perAccount: Object.fromEntries(perAccount),
    perLicense: Object.fromEntries(perLicense),
    hasEligibleLicense: pool.length > 0,
  };
}

// Code-unit order, not localeCompare: the same in every runtime and locale, workflow sandbox included.
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function assertUniqueIds(what: string, items: readonly { id: string }[]): void {
  const seen = new Set<string>();
  for (const { id } of items) {
    if (seen.has(id)) throw new RangeError(`duplicate ${what} id: ${id}`);
    seen.add(id);
  }
}

function assertSeatCount(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${what} must be a whole number ≥ 0, got ${value}`);
}
